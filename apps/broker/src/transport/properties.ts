import type { GuardViolationCode } from './guard-violation.ts';
import { checkString, readUint16 } from './packet-strings.ts';

// MQTT 5.0 §2.2.2.2: each property's identifier and the type of its value.
const BYTE = 1;
const TWO_BYTE = 2;
const FOUR_BYTE = 4;
const VARIABLE = 5;
const STRING = 6;
const BINARY = 7;
const STRING_PAIR = 8;
/** A string that names a topic: the Response Topic [MQTT-3.3.2-14]. */
const TOPIC = 9;

const TYPES = new Uint8Array(0x2b);
for (const [id, type] of [
  [0x01, BYTE], // Payload Format Indicator
  [0x02, FOUR_BYTE], // Message Expiry Interval
  [0x03, STRING], // Content Type
  [0x08, TOPIC], // Response Topic
  [0x09, BINARY], // Correlation Data
  [0x0b, VARIABLE], // Subscription Identifier
  [0x11, FOUR_BYTE], // Session Expiry Interval
  [0x12, STRING], // Assigned Client Identifier
  [0x13, TWO_BYTE], // Server Keep Alive
  [0x15, STRING], // Authentication Method
  [0x16, BINARY], // Authentication Data
  [0x17, BYTE], // Request Problem Information
  [0x18, FOUR_BYTE], // Will Delay Interval
  [0x19, BYTE], // Request Response Information
  [0x1a, STRING], // Response Information
  [0x1c, STRING], // Server Reference
  [0x1f, STRING], // Reason String
  [0x21, TWO_BYTE], // Receive Maximum
  [0x22, TWO_BYTE], // Topic Alias Maximum
  [0x23, TWO_BYTE], // Topic Alias
  [0x24, BYTE], // Maximum QoS
  [0x25, BYTE], // Retain Available
  [0x26, STRING_PAIR], // User Property
  [0x27, FOUR_BYTE], // Maximum Packet Size
  [0x28, BYTE], // Wildcard Subscription Available
  [0x29, BYTE], // Subscription Identifier Available
  [0x2a, BYTE], // Shared Subscription Available
] as const)
  TYPES[id] = type;

const TOPIC_ALIAS = 0x23;
const MAXIMUM_PACKET_SIZE = 0x27;

/** What a property block said that the guard needs; reused from packet to packet. */
export interface Properties {
  /** Where the block ended; -1 when it runs past the packet (left to aedes' parser). */
  end: number;
  hasTopicAlias: boolean;
  /** The CONNECT's Maximum Packet Size, 0 when absent. */
  maximumPacketSize: number;
}

/** A Variable Byte Integer at `offset` [MQTT-1.5.5]: its value, and `out.end` after it. */
function readVariableByteInteger(
  buf: Buffer,
  offset: number,
  end: number,
  out: { end: number },
): number {
  let value = 0;
  let multiplier = 1;
  for (let position = offset; position < end && position < offset + 4; position++) {
    const byte = buf[position] ?? 0;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      out.end = position + 1;
      return value;
    }
    multiplier *= 128;
  }
  out.end = -1;
  return 0;
}

/**
 * Walks the property block at `offset` (its length first): every UTF-8 string in it must be
 * well-formed and free of U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2], a Response Topic free of
 * wildcards [MQTT-3.3.2-14], and every identifier one MQTT 5.0 defines (an unknown one is a
 * Malformed Packet). A block that runs past the packet is left to aedes' parser, as the
 * 3.1.1 checks leave short bodies.
 */
export function checkProperties(
  buf: Buffer,
  offset: number,
  packetEnd: number,
  out: Properties,
): GuardViolationCode | null {
  out.hasTopicAlias = false;
  out.maximumPacketSize = 0;
  const length = readVariableByteInteger(buf, offset, packetEnd, out);
  if (out.end < 0) return null;
  const end = out.end + length;
  if (end > packetEnd) {
    out.end = -1;
    return null;
  }
  let position = out.end;
  while (position < end) {
    const id = buf[position] ?? 0;
    const type = id < TYPES.length ? (TYPES[id] ?? 0) : 0;
    position += 1;
    switch (type) {
      case BYTE:
      case TWO_BYTE:
      case FOUR_BYTE:
        if (id === TOPIC_ALIAS) out.hasTopicAlias = true;
        if (id === MAXIMUM_PACKET_SIZE && position + 4 <= end)
          out.maximumPacketSize = buf.readUInt32BE(position);
        position += type;
        break;
      case VARIABLE:
        readVariableByteInteger(buf, position, end, out);
        if (out.end < 0) return 'MALFORMED_PROPERTIES';
        position = out.end;
        break;
      case BINARY:
        position += 2 + (position + 2 <= end ? readUint16(buf, position) : 0);
        break;
      case STRING:
      case TOPIC:
      case STRING_PAIR: {
        for (let strings = type === STRING_PAIR ? 2 : 1; strings > 0; strings--) {
          if (position + 2 > end) return 'MALFORMED_PROPERTIES';
          const stringEnd = position + 2 + readUint16(buf, position);
          if (stringEnd > end) return 'MALFORMED_PROPERTIES';
          const code = checkString(buf, position + 2, stringEnd, type === TOPIC);
          if (code !== null) return code;
          position = stringEnd;
        }
        break;
      }
      default:
        return 'MALFORMED_PROPERTIES';
    }
  }
  if (position !== end) return 'MALFORMED_PROPERTIES';
  out.end = end;
  return null;
}
