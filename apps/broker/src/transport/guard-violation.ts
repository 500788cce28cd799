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
  | 'EMPTY_TOPIC';

export interface GuardViolation {
  code: GuardViolationCode;
  message: string;
}

/**
 * The error a guarded connection is destroyed with, so aedes reports it through its
 * `connectionError` / `clientError` events with a stable `code`.
 */
export class GuardViolationError extends Error {
  override readonly name = 'GuardViolationError';
  readonly code: GuardViolationCode;

  constructor(violation: GuardViolation) {
    super(violation.message);
    this.code = violation.code;
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
  }
}
