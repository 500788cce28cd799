import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPacketTypeAndFlags,
  INCOMPLETE,
  MALFORMED,
  parseFixedHeader,
} from './fixed-header.ts';
import type { FixedHeader } from './fixed-header.ts';
import { encodeRemainingLength, frame } from '../../test/helpers/transport-packets.ts';

const header = (): FixedHeader => ({ type: 0, flags: 0, headerLength: 0, remainingLength: 0 });

describe('parseFixedHeader', () => {
  it('reads every Remaining Length from 0 to 268,435,455 in one to four bytes (MQTT 3.1.1 §2.2.3)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 268_435_455 }),
        fc.integer({ min: 0, max: 255 }),
        (length, first) => {
          const bytes = Buffer.concat([Buffer.from([first]), encodeRemainingLength(length)]);
          const out = header();
          expect(parseFixedHeader(bytes, 0, bytes.length, out)).toBe(bytes.length);
          expect(out).toEqual({
            type: first >> 4,
            flags: first & 0x0f,
            headerLength: bytes.length,
            remainingLength: length,
          });
          // Any shorter prefix is incomplete, never misread.
          for (let end = 0; end < bytes.length; end++) {
            expect(parseFixedHeader(bytes, 0, end, header())).toBe(INCOMPLETE);
          }
        },
      ),
    );
  });

  it('reads a header at an offset inside a larger buffer', () => {
    const bytes = Buffer.concat([Buffer.from([0xaa, 0xbb]), frame(0x30, Buffer.alloc(200))]);
    const out = header();
    expect(parseFixedHeader(bytes, 2, bytes.length, out)).toBe(3);
    expect(out).toMatchObject({ type: 3, remainingLength: 200 });
  });

  it('calls a continuation bit on the fourth length byte malformed (MQTT 3.1.1 §2.2.3)', () => {
    const bytes = Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80]);
    expect(parseFixedHeader(bytes, 0, bytes.length, header())).toBe(MALFORMED);
    expect(parseFixedHeader(bytes, 0, 4, header())).toBe(INCOMPLETE);
  });
});

describe('checkPacketTypeAndFlags', () => {
  it('accepts the flags of Table 2.2 and nothing else [MQTT-2.2.2-1] [MQTT-2.2.2-2]', () => {
    const required = new Map([
      [6, 0b0010], // PUBREL [MQTT-3.6.1-1]
      [8, 0b0010], // SUBSCRIBE [MQTT-3.8.1-1]
      [10, 0b0010], // UNSUBSCRIBE [MQTT-3.10.1-1]
    ]);
    for (let type = 1; type <= 14; type++) {
      for (let flags = 0; flags <= 15; flags++) {
        const valid =
          type === 3 ? (flags & 0b0110) !== 0b0110 : flags === (required.get(type) ?? 0);
        for (const level of [4, 5])
          expect(checkPacketTypeAndFlags(type, flags, level), `type ${type} flags ${flags}`).toBe(
            valid ? null : 'INVALID_FIXED_HEADER_FLAGS',
          );
      }
    }
  });

  it('rejects reserved types 0 and 15 whatever their flags (MQTT 3.1.1 §2.2.1)', () => {
    for (let flags = 0; flags <= 15; flags++) {
      expect(checkPacketTypeAndFlags(0, flags, 4)).toBe('RESERVED_PACKET_TYPE');
      expect(checkPacketTypeAndFlags(15, flags, 4)).toBe('RESERVED_PACKET_TYPE');
      expect(checkPacketTypeAndFlags(0, flags, 5)).toBe('RESERVED_PACKET_TYPE');
    }
  });

  it('knows type 15 as MQTT 5.0 AUTH, whose flags are all zero (MQTT 5.0 §2.1.3)', () => {
    expect(checkPacketTypeAndFlags(15, 0, 5)).toBeNull();
    for (let flags = 1; flags <= 15; flags++)
      expect(checkPacketTypeAndFlags(15, flags, 5)).toBe('INVALID_FIXED_HEADER_FLAGS');
  });
});
