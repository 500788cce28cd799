import type { GuardViolationCode } from './guard-violation.ts';

// MQTT 3.1.1 §2.2.1, Table 2.1 and MQTT 5.0 §2.1.2: Control Packet types.
export const CONNECT = 1;
export const PUBLISH = 3;
const PUBREL = 6;
export const SUBSCRIBE = 8;
export const UNSUBSCRIBE = 10;
/** Reserved in MQTT 3.1.1; MQTT 5.0's AUTH (enhanced authentication). */
export const AUTH = 15;

/** The fields of one fixed header; reused across packets to keep the hot path allocation-free. */
export interface FixedHeader {
  type: number;
  flags: number;
  /** Bytes taken by the fixed header itself: the type byte plus 1–4 length bytes. */
  headerLength: number;
  remainingLength: number;
}

/** `parseFixedHeader` result when the header does not fit in the bytes seen so far. */
export const INCOMPLETE = 0;
/** `parseFixedHeader` result when the Remaining Length runs past four bytes. */
export const MALFORMED = -1;

/** The longest fixed header: one type byte and four Remaining Length bytes. */
export const MAX_HEADER_LENGTH = 5;

/**
 * Reads the fixed header starting at `offset` into `out` and returns its length,
 * `INCOMPLETE` when `buf` ends first, or `MALFORMED`.
 */
export function parseFixedHeader(
  buf: Uint8Array,
  offset: number,
  end: number,
  out: FixedHeader,
): number {
  let position = offset + 1;
  let value = 0;
  let multiplier = 1;
  for (;;) {
    if (position >= end) return INCOMPLETE;
    const byte = buf[position] ?? 0;
    position++;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    // MQTT 3.1.1 §2.2.3: the Remaining Length takes at most four bytes, so a
    // continuation bit on the fourth one is malformed.
    if (position - offset > 4) return MALFORMED;
    multiplier *= 128;
  }
  const first = buf[offset] ?? 0;
  out.type = first >> 4;
  out.flags = first & 0x0f;
  out.headerLength = position - offset;
  out.remainingLength = value;
  return out.headerLength;
}

/**
 * Checks the type and flag bits of a client-to-server fixed header, for the client's Protocol
 * Level (5 for MQTT 5.0; before CONNECT, any other).
 */
export function checkPacketTypeAndFlags(
  type: number,
  flags: number,
  protocolLevel: number,
): GuardViolationCode | null {
  // MQTT 3.1.1 §2.2.1: types 0 and 15 are reserved; MQTT 5.0 §2.1.2 makes 15 AUTH.
  if (type === 0 || (type === AUTH && protocolLevel !== 5)) return 'RESERVED_PACKET_TYPE';
  if (type === PUBLISH) {
    // [MQTT-3.3.1-4] a PUBLISH with both QoS bits set closes the connection.
    return (flags & 0b0110) === 0b0110 ? 'INVALID_FIXED_HEADER_FLAGS' : null;
  }
  // [MQTT-2.2.2-1] [MQTT-2.2.2-2] reserved flag bits must hold Table 2.2's values,
  // 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE [MQTT-3.6.1-1] [MQTT-3.8.1-1]
  // [MQTT-3.10.1-1], else the connection is closed.
  const required = type === PUBREL || type === SUBSCRIBE || type === UNSUBSCRIBE ? 0b0010 : 0;
  return flags === required ? null : 'INVALID_FIXED_HEADER_FLAGS';
}
