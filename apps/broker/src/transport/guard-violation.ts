export type GuardViolationCode =
  | 'PACKET_TOO_LARGE'
  | 'CONNECT_TOO_LARGE'
  | 'FIRST_PACKET_NOT_CONNECT'
  | 'SECOND_CONNECT'
  | 'RESERVED_PACKET_TYPE'
  | 'MALFORMED_REMAINING_LENGTH'
  | 'INVALID_FIXED_HEADER_FLAGS'
  | 'INVALID_UTF8'
  | 'NUL_IN_STRING'
  | 'WILDCARD_IN_PUBLISH_TOPIC'
  | 'EMPTY_TOPIC'
  | 'MALFORMED_PROPERTIES'
  | 'INVALID_SUBSCRIPTION_OPTIONS'
  | 'UNEXPECTED_AUTH';

export interface GuardViolation {
  code: GuardViolationCode;
  message: string;
  /**
   * What an MQTT 5.0 client is told before the connection closes: a CONNACK (when the broker
   * has not sent its own yet) or a DISCONNECT with this reason code, within the Maximum
   * Packet Size it accepts (0: none set). Absent for MQTT 3.1.1, which has no way to say it,
   * and while the client's version is not known.
   */
  answer?: { reasonCode: number; maximumPacketSize: number };
}

/**
 * The error a guarded connection is destroyed with, so aedes reports it through its
 * `connectionError` / `clientError` events with a stable `code`.
 */
export class GuardViolationError extends Error {
  override readonly name = 'GuardViolationError';
  readonly code: GuardViolationCode;
  readonly answer: GuardViolation['answer'];

  constructor(violation: GuardViolation) {
    super(violation.message);
    this.code = violation.code;
    this.answer = violation.answer;
  }
}

// MQTT 5.0 §2.4 reason codes.
const MALFORMED_PACKET = 0x81;
const PROTOCOL_ERROR = 0x82;
const TOPIC_NAME_INVALID = 0x90;
const PACKET_TOO_LARGE = 0x95;

/** The MQTT 5.0 reason code each violation is told with, in CONNACK or DISCONNECT. */
export function reasonCodeOf(code: GuardViolationCode): number {
  switch (code) {
    case 'PACKET_TOO_LARGE':
    case 'CONNECT_TOO_LARGE':
      return PACKET_TOO_LARGE;
    case 'WILDCARD_IN_PUBLISH_TOPIC':
      return TOPIC_NAME_INVALID;
    case 'FIRST_PACKET_NOT_CONNECT':
    case 'SECOND_CONNECT':
    case 'EMPTY_TOPIC':
    case 'UNEXPECTED_AUTH':
      return PROTOCOL_ERROR;
    case 'RESERVED_PACKET_TYPE':
    case 'MALFORMED_REMAINING_LENGTH':
    case 'INVALID_FIXED_HEADER_FLAGS':
    case 'INVALID_UTF8':
    case 'NUL_IN_STRING':
    case 'MALFORMED_PROPERTIES':
    case 'INVALID_SUBSCRIPTION_OPTIONS':
      return MALFORMED_PACKET;
  }
}

/** What the guard knew of the offending packet when it stopped reading. */
export interface ViolationContext {
  type: number;
  /** Whole packet, as claimed by its fixed header. */
  size: number;
  /** The size limit that applied to it. */
  limit: number;
}

export function describeViolation(code: GuardViolationCode, packet: ViolationContext): string {
  switch (code) {
    case 'PACKET_TOO_LARGE':
      return `packet of ${packet.size} bytes exceeds the ${packet.limit}-byte limit`;
    case 'CONNECT_TOO_LARGE':
      return `CONNECT of ${packet.size} bytes exceeds the ${packet.limit}-byte limit`;
    case 'FIRST_PACKET_NOT_CONNECT':
      return `first packet has type ${packet.type}, not CONNECT`;
    case 'SECOND_CONNECT':
      return 'second CONNECT on one connection';
    case 'RESERVED_PACKET_TYPE':
      return `reserved packet type ${packet.type}`;
    case 'MALFORMED_REMAINING_LENGTH':
      return 'remaining length longer than four bytes';
    case 'INVALID_FIXED_HEADER_FLAGS':
      return `invalid fixed header flags for packet type ${packet.type}`;
    case 'INVALID_UTF8':
      return `ill-formed UTF-8 string in packet type ${packet.type}`;
    case 'NUL_IN_STRING':
      return `U+0000 in a string in packet type ${packet.type}`;
    case 'WILDCARD_IN_PUBLISH_TOPIC':
      return 'wildcard in a topic name';
    case 'EMPTY_TOPIC':
      return 'empty topic';
    case 'MALFORMED_PROPERTIES':
      return `malformed properties in packet type ${packet.type}`;
    case 'INVALID_SUBSCRIPTION_OPTIONS':
      return 'reserved bits or QoS 3 in subscription options';
    case 'UNEXPECTED_AUTH':
      return 'AUTH without an authentication method in CONNECT';
  }
}
