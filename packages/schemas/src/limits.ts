/**
 * Every bound a Twinwire message is checked against, in one place so the schemas, the
 * topic builders, the error messages and the docs cannot disagree.
 *
 * Timestamps are integer epoch milliseconds (UTC) everywhere on the wire.
 */

/** Letters, digits and `_ . : -`: safe as one MQTT topic level (no `/`, `+`, `#`, NUL, `$`). */
const topicLevelPattern = '^[A-Za-z0-9_.:-]+$';

const minute = 60 * 1000;
const day = 24 * 60 * minute;

export const limits = {
  /** Largest accepted payload (MQTT publish body or WebSocket frame), checked before decoding. */
  maxPayloadBytes: 64 * 1024,
  /** Metrics in one reading. */
  maxMetricsPerReading: 64,
  metricName: { pattern: topicLevelPattern, minLength: 1, maxLength: 64 },
  /** Longest string metric value, in characters (Unicode code points). */
  maxStringValueLength: 256,
  /** Readings in one `{ points: [...] }` batch. */
  maxBatchPoints: 500,
  /** Static range of every epoch-millisecond timestamp: 2000-01-01T00:00Z .. 2100-01-01T00:00Z. */
  ts: { min: 946_684_800_000, max: 4_102_444_800_000 },
  /** Default acceptance window around the receiver's clock; both are overridable per call. */
  window: { maxFutureMs: 5 * minute, maxPastMs: 30 * day },
  seq: { min: 0, max: Number.MAX_SAFE_INTEGER },
  deviceId: { pattern: topicLevelPattern, minLength: 1, maxLength: 64 },
  /**
   * A user's name stands in topic filters (`{username}` in ACL rules) and MQTT client ids, so
   * it holds no character that cannot stand in one topic level: no `/`, `+`, `#`, NUL or other
   * control character (C0, DEL, C1).
   */
  username: { pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F/+#]+$', minLength: 1, maxLength: 128 },
  commandName: { pattern: topicLevelPattern, minLength: 1, maxLength: 64 },
  /** Command ids, WebSocket request ids and message ids: any text, bounded. */
  id: { minLength: 1, maxLength: 64 },
  /** Top-level keys of a command's `args`. */
  maxCommandArgs: 64,
  /** Nesting depth of any free-form JSON (command args and results, forwarded payloads). */
  maxJsonDepth: 32,
  errorCode: { pattern: '^TWW_[A-Z0-9_]+$', maxLength: 64 },
  /** Human-readable error text (device errors, error frames, command ack errors). */
  errorMessage: { maxLength: 1024 },
  /** Topic names and filters carried inside messages. */
  topic: { maxLength: 256 },
  /** Most readings a dashboard may ask to replay when it subscribes. */
  maxHistoryLimit: 1000,
  /** The `/ws/device` protocol version this package describes. */
  deviceProtocolVersion: 1,
} as const;

export type Limits = typeof limits;
