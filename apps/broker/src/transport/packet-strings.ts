import { isUtf8 } from 'node:buffer';
import type { GuardViolationCode } from './guard-violation.ts';

const NUL = 0x00;
const PLUS = 0x2b;
const HASH = 0x23;

/**
 * Checks the UTF-8 encoded string in `buf[start..end)`: [MQTT-1.5.3-1] well-formed
 * UTF-8 and [MQTT-1.5.3-2] no U+0000. A topic name must also be non-empty
 * [MQTT-4.7.3-1] and free of wildcards [MQTT-3.3.2-2] [MQTT-4.7.1-1].
 */
export function checkString(
  buf: Buffer,
  start: number,
  end: number,
  isTopicName: boolean,
): GuardViolationCode | null {
  if (isTopicName && start === end) return 'EMPTY_TOPIC';
  // One pass over the bytes; only a string with a non-ASCII byte pays for a view and
  // the UTF-8 validator, so the usual ASCII topic costs no allocation.
  let ascii = true;
  for (let i = start; i < end; i++) {
    const byte = buf[i] ?? NUL;
    if (byte === NUL) return 'NUL_IN_STRING';
    if (byte >= 0x80) ascii = false;
    else if (isTopicName && (byte === PLUS || byte === HASH)) return 'WILDCARD_IN_PUBLISH_TOPIC';
  }
  if (!ascii && !isUtf8(buf.subarray(start, end))) return 'INVALID_UTF8';
  return null;
}

/** Reads a Two Byte Integer [MQTT 3.1.1 §1.5.2] at `offset`; the caller checks bounds. */
export function readUint16(buf: Buffer, offset: number): number {
  return ((buf[offset] ?? 0) << 8) | (buf[offset + 1] ?? 0);
}
