import type { GuardViolationCode } from './guard-violation.ts';
import { checkString, readUint16 } from './packet-strings.ts';

// A body too short for the lengths it declares is left to aedes' parser (mqtt-packet),
// which rejects it and closes the connection; these checks only judge what is there.

const WILL_FLAG = 0x04;
const USERNAME_FLAG = 0x80;

/** Checks the strings of a CONNECT body `buf[start..end)`: Client Identifier, Will Topic and User Name. */
export function checkConnectBody(
  buf: Buffer,
  start: number,
  end: number,
): GuardViolationCode | null {
  let position = start;
  if (position + 2 > end) return null;
  position += 2 + readUint16(buf, position); // Protocol Name
  if (position + 4 > end) return null;
  const level = buf[position];
  const flags = buf[position + 1] ?? 0;
  position += 4; // Protocol Level, Connect Flags, Keep Alive
  // [MQTT-3.1.2-2] aedes answers other levels with return code 0x01; their payload
  // layout (MQTT 5 adds properties) is not ours to read.
  if (level !== 3 && level !== 4) return null;

  // [MQTT-3.1.3-4] Client Identifier
  let stringEnd = endOfField(buf, position, end);
  if (stringEnd < 0) return null;
  let code = checkString(buf, position + 2, stringEnd, false);
  if (code !== null) return code;
  position = stringEnd;

  if ((flags & WILL_FLAG) !== 0) {
    // [MQTT-3.1.3-10] the Will Topic is the topic name of a PUBLISH sent later.
    stringEnd = endOfField(buf, position, end);
    if (stringEnd < 0) return null;
    code = checkString(buf, position + 2, stringEnd, true);
    if (code !== null) return code;
    position = endOfField(buf, stringEnd, end); // Will Message is binary
    if (position < 0) return null;
  }

  if ((flags & USERNAME_FLAG) !== 0) {
    // [MQTT-3.1.3-11] User Name
    stringEnd = endOfField(buf, position, end);
    if (stringEnd < 0) return null;
    return checkString(buf, position + 2, stringEnd, false);
  }
  return null; // the Password is binary
}

/** Checks the Topic Name of a PUBLISH body `buf[start..end)`. */
export function checkPublishBody(
  buf: Buffer,
  start: number,
  end: number,
): GuardViolationCode | null {
  const topicEnd = endOfField(buf, start, end);
  if (topicEnd < 0) return null;
  return checkString(buf, start + 2, topicEnd, true);
}

/**
 * Checks the Topic Filters of a SUBSCRIBE (each followed by a QoS byte) or UNSUBSCRIBE
 * body `buf[start..end)`. Their wildcard syntax is checked later, by aedes and the ACL.
 */
export function checkFiltersBody(
  buf: Buffer,
  start: number,
  end: number,
  hasQosByte: boolean,
): GuardViolationCode | null {
  let position = start + 2; // Packet Identifier
  while (position < end) {
    const filterEnd = endOfField(buf, position, end);
    if (filterEnd < 0) return null;
    // [MQTT-4.7.3-1] topic filters are at least one character long too.
    if (filterEnd === position + 2) return 'EMPTY_TOPIC';
    const code = checkString(buf, position + 2, filterEnd, false);
    if (code !== null) return code;
    position = hasQosByte ? filterEnd + 1 : filterEnd;
  }
  return null;
}

/** The end of the length-prefixed field at `position`, or -1 when it overruns `end`. */
function endOfField(buf: Buffer, position: number, end: number): number {
  if (position + 2 > end) return -1;
  const fieldEnd = position + 2 + readUint16(buf, position);
  return fieldEnd > end ? -1 : fieldEnd;
}
