import type { GuardViolationCode } from './guard-violation.ts';
import { checkString, readUint16 } from './packet-strings.ts';
import { checkProperties, type Properties } from './properties.ts';

// A body too short for the lengths it declares is left to aedes' parser (mqtt-packet),
// which rejects it and closes the connection; these checks only judge what is there.

const WILL_FLAG = 0x04;
const USERNAME_FLAG = 0x80;
export const MQTT_5 = 5;

/** What a CONNECT said about the connection; filled in by `checkConnectBody`. */
export interface ConnectInfo {
  /** Protocol Level: 3 (MQTT 3.1), 4 (3.1.1) or 5 (5.0); 0 when the body is too short to say. */
  protocolLevel: number;
  /** MQTT 5.0: the largest packet the client accepts, 0 when it set none. */
  maximumPacketSize: number;
}

const properties: Properties = { end: 0, hasTopicAlias: false, maximumPacketSize: 0 };

/**
 * The Protocol Level of a CONNECT body `buf[start..end)`, 0 when those bytes do not reach it:
 * what a violation found before the body is read can tell of the client's version.
 */
export function peekProtocolLevel(buf: Buffer, start: number, end: number): number {
  if (start + 2 > end) return 0;
  const levelAt = start + 2 + readUint16(buf, start);
  return levelAt < end ? (buf[levelAt] ?? 0) : 0;
}

/**
 * Checks the strings of a CONNECT body `buf[start..end)`: Client Identifier, Will Topic and
 * User Name, and in MQTT 5.0 the CONNECT and Will properties.
 */
export function checkConnectBody(
  buf: Buffer,
  start: number,
  end: number,
  info: ConnectInfo,
): GuardViolationCode | null {
  info.protocolLevel = peekProtocolLevel(buf, start, end);
  info.maximumPacketSize = 0;
  let position = start;
  if (position + 2 > end) return null;
  position += 2 + readUint16(buf, position); // Protocol Name
  if (position + 4 > end) return null;
  const level = info.protocolLevel;
  const flags = buf[position + 1] ?? 0;
  position += 4; // Protocol Level, Connect Flags, Keep Alive
  // [MQTT-3.1.2-2] aedes answers other levels with an unacceptable protocol version.
  if (level !== 3 && level !== 4 && level !== MQTT_5) return null;

  if (level === MQTT_5) {
    const code = checkProperties(buf, position, end, properties);
    if (code !== null || properties.end < 0) return code;
    info.maximumPacketSize = properties.maximumPacketSize;
    position = properties.end;
  }

  // [MQTT-3.1.3-4] Client Identifier
  let stringEnd = endOfField(buf, position, end);
  if (stringEnd < 0) return null;
  let code = checkString(buf, position + 2, stringEnd, false);
  if (code !== null) return code;
  position = stringEnd;

  if ((flags & WILL_FLAG) !== 0) {
    if (level === MQTT_5) {
      // Will Properties [MQTT-3.1.3-2]: a Response Topic and strings like any PUBLISH's.
      code = checkProperties(buf, position, end, properties);
      if (code !== null || properties.end < 0) return code;
      position = properties.end;
    }
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

/**
 * Checks the Topic Name of a PUBLISH body `buf[start..end)` and, in MQTT 5.0, its properties.
 * An MQTT 5.0 Topic Name may be empty when a Topic Alias stands for it [MQTT-3.3.2-8]; its
 * alias number is aedes' to judge.
 */
export function checkPublishBody(
  buf: Buffer,
  start: number,
  end: number,
  protocolLevel: number,
  qos: number,
): GuardViolationCode | null {
  const topicEnd = endOfField(buf, start, end);
  if (topicEnd < 0) return null;
  if (protocolLevel !== MQTT_5) return checkString(buf, start + 2, topicEnd, true);
  const emptyTopic = topicEnd === start + 2;
  if (!emptyTopic) {
    const code = checkString(buf, start + 2, topicEnd, true);
    if (code !== null) return code;
  }
  const code = checkProperties(buf, topicEnd + (qos > 0 ? 2 : 0), end, properties);
  if (code !== null) return code;
  // [MQTT-3.3.2-8] no topic and no alias for one: a Protocol Error.
  if (emptyTopic && properties.end >= 0 && !properties.hasTopicAlias) return 'EMPTY_TOPIC';
  return null;
}

/**
 * Checks the Topic Filters of a SUBSCRIBE (each followed by its options byte) or UNSUBSCRIBE
 * body `buf[start..end)`, after the Packet Identifier and, in MQTT 5.0, the properties.
 * Their wildcard syntax is checked later, by aedes and the ACL.
 */
export function checkFiltersBody(
  buf: Buffer,
  start: number,
  end: number,
  hasOptionsByte: boolean,
  protocolLevel: number,
): GuardViolationCode | null {
  let position = start + 2; // Packet Identifier
  if (protocolLevel === MQTT_5) {
    const code = checkProperties(buf, position, end, properties);
    if (code !== null || properties.end < 0) return code;
    position = properties.end;
  }
  while (position < end) {
    const filterEnd = endOfField(buf, position, end);
    if (filterEnd < 0) return null;
    // [MQTT-4.7.3-1] topic filters are at least one character long too.
    if (filterEnd === position + 2) return 'EMPTY_TOPIC';
    const code = checkString(buf, position + 2, filterEnd, false);
    if (code !== null) return code;
    position = filterEnd;
    if (hasOptionsByte) {
      if (position < end && !validSubscriptionOptions(buf[position] ?? 0, protocolLevel))
        return 'INVALID_SUBSCRIPTION_OPTIONS';
      position += 1;
    }
  }
  return null;
}

/**
 * [MQTT-3.8.3-4] (3.1.1): the requested QoS byte holds QoS 0-2 and reserved zero bits.
 * MQTT 5.0 §3.8.3.1: QoS 0-2, No Local, Retain As Published, Retain Handling 0-2 and two
 * reserved zero bits [MQTT-3.8.3-5].
 */
function validSubscriptionOptions(options: number, protocolLevel: number): boolean {
  if ((options & 0x03) === 0x03) return false;
  if (protocolLevel !== MQTT_5) return (options & 0xfc) === 0;
  return (options & 0xc0) === 0 && (options & 0x30) !== 0x30;
}

/** The end of the length-prefixed field at `position`, or -1 when it overruns `end`. */
function endOfField(buf: Buffer, position: number, end: number): number {
  if (position + 2 > end) return -1;
  const fieldEnd = position + 2 + readUint16(buf, position);
  return fieldEnd > end ? -1 : fieldEnd;
}
