import { limits } from './limits.ts';
import type { ParseFailure, ParseResult } from './parse-result.ts';
import { fail } from './parse-result.ts';
import { printable } from './text.ts';

// Node's Buffer decodes small payloads much faster than TextDecoder; browsers have neither
// the global nor the need, so the package stays importable there.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
let strictDecoder: InstanceType<typeof TextDecoder> | undefined;

function strictUtf8(bytes: Uint8Array): string | undefined {
  // `ignoreBOM` keeps a BOM in the text, so JSON.parse refuses it the same on every path.
  strictDecoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function tooLarge(got: string): ParseFailure {
  const max = limits.maxPayloadBytes;
  return fail({
    code: 'TWW_PAYLOAD_TOO_LARGE',
    message: `payload is ${got}; the limit is ${max} bytes`,
    path: '',
    expected: `at most ${max} bytes`,
    got,
  });
}

/** UTF-8 text of a payload, refusing oversized payloads before touching their bytes. */
function decodeText(payload: Uint8Array | string): ParseResult<string> {
  const max = limits.maxPayloadBytes;
  if (typeof payload === 'string') {
    // A UTF-16 code unit is at least one UTF-8 byte and at most three.
    if (payload.length > max) return tooLarge(`at least ${payload.length} bytes`);
    if (payload.length * 3 > max) {
      const bytes = NodeBuffer
        ? NodeBuffer.byteLength(payload, 'utf8')
        : new TextEncoder().encode(payload).length;
      if (bytes > max) return tooLarge(`${bytes} bytes`);
    }
    return { ok: true, value: payload };
  }
  if (payload.byteLength > max) return tooLarge(`${payload.byteLength} bytes`);
  let text: string | undefined;
  if (NodeBuffer) {
    const buffer = NodeBuffer.isBuffer(payload)
      ? payload
      : NodeBuffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    text = buffer.toString('utf8');
    // Buffer decoding replaces malformed sequences with U+FFFD; only then is a strict check needed.
    if (text.includes('\uFFFD')) text = strictUtf8(payload);
  } else {
    text = strictUtf8(payload);
  }
  if (text === undefined) {
    return fail({
      code: 'TWW_INVALID_JSON',
      message: 'payload is not valid UTF-8; send JSON as UTF-8 text',
      path: '',
      expected: 'UTF-8 encoded JSON',
      got: 'invalid UTF-8 bytes',
    });
  }
  return { ok: true, value: text };
}

/** The payload as parsed JSON: size, then UTF-8, then syntax. */
export function decodeJson(payload: Uint8Array | string): ParseResult<unknown> {
  const text = decodeText(payload);
  if (!text.ok) return text;
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown };
  } catch (error) {
    const reason = error instanceof Error ? printable(error.message, 120) : 'unparsable';
    return fail({
      code: 'TWW_INVALID_JSON',
      message: `payload is not valid JSON: ${reason}`,
      path: '',
      expected: 'a JSON object',
      got: reason,
    });
  }
}
