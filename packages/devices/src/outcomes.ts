import type { ValidationIssue } from '@twinwire/schemas/validate';

/**
 * What became of a device's message, whatever carried it: the one closed set both ingest
 * points answer with. The broker says it in MQTT (PUBACK/PUBREC reason codes for MQTT 5.0,
 * `devices/{id}/errors` for 3.1.1 and QoS 0), the API's device socket in WebSocket frames
 * (`ack` or `error`); neither invents an outcome of its own.
 */
export type IngestOutcome =
  /**
   * Taken. `committed`: in PostgreSQL before this was returned (the durable ack, QoS 1/2 and
   * the WebSocket device protocol); false for QoS 0, which went to the bounded buffer (and is
   * counted as dropped if that overflowed: QoS 0 has no acknowledgement to refuse).
   */
  | { kind: 'stored'; committed: boolean }
  /**
   * Already stored under its (device id, ts, seq): acknowledged like `stored`, never written
   * twice. The telemetry writer reports duplicates per batch, not per reading, so ingest
   * answers `stored` for a redelivered reading today; the adapters already treat both alike.
   */
  | { kind: 'duplicate' }
  /** Refused as it is: never stored; `reason` says what to fix. */
  | { kind: 'invalid'; reason: ValidationIssue | StatusIssue }
  /** The access rules do not let this client publish there. */
  | { kind: 'denied' }
  /** The database refused the reading: not stored, not acknowledged; send it again later. */
  | { kind: 'unavailable' }
  /** Over the client's publish rate (`perSecond`); `ignored`: refusals kept being ignored. */
  | { kind: 'rate-limited'; perSecond: number; ignored: boolean };

/** The outcomes that refuse the message. */
export type IngestRefusal = Exclude<IngestOutcome, { kind: 'stored' } | { kind: 'duplicate' }>;

/** A device status payload the schema refused (same codes as telemetry). */
type StatusIssue = Pick<ValidationIssue, 'code' | 'message'>;

/** One stable code per refusal, on every transport. */
export type IngestErrorCode =
  ValidationIssue['code'] | 'TWW_ACL_DENIED' | 'TWW_NOT_STORED' | 'TWW_RATE_LIMITED';

/** An outcome that takes the message (and is acknowledged). */
export function isTaken(
  outcome: IngestOutcome,
): outcome is Extract<IngestOutcome, { kind: 'stored' } | { kind: 'duplicate' }> {
  return outcome.kind === 'stored' || outcome.kind === 'duplicate';
}

/** The code and the words a device is told for a refusal, the same over MQTT and WebSocket. */
export function describeRefusal(refusal: IngestRefusal): {
  code: IngestErrorCode;
  message: string;
} {
  switch (refusal.kind) {
    case 'invalid':
      return { code: refusal.reason.code, message: refusal.reason.message };
    case 'denied':
      return { code: 'TWW_ACL_DENIED', message: 'you may not publish to this topic' };
    case 'unavailable':
      return {
        code: 'TWW_NOT_STORED',
        message: 'the reading was not stored and is not acknowledged; send it again later',
      };
    case 'rate-limited':
      return {
        code: 'TWW_RATE_LIMITED',
        message: `more than ${refusal.perSecond} publishes per second`,
      };
  }
}
