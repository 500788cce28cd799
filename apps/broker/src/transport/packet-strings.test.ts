import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuardViolationCode } from './guard-violation.ts';
import { checkString } from './packet-strings.ts';

/** The rules spelled out naively: decode with a strict decoder, then look at the characters. */
function reference(bytes: Uint8Array, isTopicName: boolean): GuardViolationCode | null {
  if (isTopicName && bytes.length === 0) return 'EMPTY_TOPIC';
  // Bytes below 0x80 are whole characters in UTF-8 even when the rest is ill-formed.
  for (const byte of bytes) {
    if (byte === 0) return 'NUL_IN_STRING';
    if (isTopicName && (byte === 0x2b || byte === 0x23)) return 'WILDCARD_IN_PUBLISH_TOPIC';
  }
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return 'INVALID_UTF8';
  }
  return null;
}

const strings = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }).map((text) => new TextEncoder().encode(text)),
  // Well-formed text with one byte replaced: the boundary cases of the validator.
  fc
    .tuple(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
    )
    .map(([text, at, byte]) => {
      const bytes = new TextEncoder().encode(text);
      bytes[at % bytes.length] = byte;
      return bytes;
    }),
);

describe('checkString', () => {
  it('agrees with a strict UTF-8 decoder on every byte string [MQTT-1.5.3-1] [MQTT-1.5.3-2]', () => {
    fc.assert(
      fc.property(strings, fc.boolean(), fc.nat(8), (bytes, isTopicName, padding) => {
        // Checked in place inside a larger buffer, as the guard does.
        const buffer = Buffer.concat([
          Buffer.alloc(padding, 0xff),
          bytes,
          Buffer.alloc(padding, 0xff),
        ]);
        expect(checkString(buffer, padding, padding + bytes.length, isTopicName)).toBe(
          reference(bytes, isTopicName),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects UTF-16 surrogates and overlong encodings [MQTT-1.5.3-1]', () => {
    for (const bytes of [
      [0xed, 0xa0, 0x80], // U+D800
      [0xed, 0xbf, 0xbf], // U+DFFF
      [0xc0, 0x80], // overlong U+0000
      [0xe0, 0x80, 0xaf], // overlong '/'
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    ]) {
      expect(checkString(Buffer.from(bytes), 0, bytes.length, false)).toBe('INVALID_UTF8');
    }
  });

  it('accepts non-ASCII text, and wildcards outside topic names', () => {
    const text = Buffer.from('capteurs/température/°C/💡', 'utf8');
    expect(checkString(text, 0, text.length, true)).toBeNull();
    const filter = Buffer.from('a/+/#');
    expect(checkString(filter, 0, filter.length, false)).toBeNull();
    expect(checkString(filter, 0, filter.length, true)).toBe('WILDCARD_IN_PUBLISH_TOPIC');
  });
});
