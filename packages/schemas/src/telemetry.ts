import { Type } from 'typebox';
import type { Static } from 'typebox';
import { limits } from './limits.ts';
import { EpochMillis } from './primitives.ts';

/**
 * A metric name as a JSON Schema property-name pattern: {@link limits.metricName} with its
 * length folded in (patterns are all a record key can carry), and `__proto__` refused so a
 * reading can never be used for prototype pollution downstream.
 */
export const metricNameKeyPattern = `^(?!__proto__$)[A-Za-z0-9_.:-]{${limits.metricName.minLength},${limits.metricName.maxLength}}$`;

/** One metric value: a finite number, a boolean or a bounded string. */
export const MetricValue = Type.Union([
  Type.Number(),
  Type.Boolean(),
  Type.String({ maxLength: limits.maxStringValueLength }),
]);
export type MetricValue = Static<typeof MetricValue>;

export const Metrics = Type.Record(Type.String({ pattern: metricNameKeyPattern }), MetricValue, {
  additionalProperties: false,
  minProperties: 1,
  maxProperties: limits.maxMetricsPerReading,
  description: `1-${limits.maxMetricsPerReading} metrics by name (1-${limits.metricName.maxLength} characters of A-Z a-z 0-9 _ . : -)`,
});
export type Metrics = Static<typeof Metrics>;

/** One reading from one device: `{ ts, seq, metrics }`. */
export const TelemetryReading = Type.Object(
  {
    ts: EpochMillis,
    seq: Type.Integer({
      minimum: limits.seq.min,
      maximum: limits.seq.max,
      description: 'Sequence number; with ts it makes a redelivered reading idempotent',
    }),
    metrics: Metrics,
  },
  { additionalProperties: false, title: 'TelemetryReading' },
);
export type TelemetryReading = Static<typeof TelemetryReading>;

/** Several readings in one message: `{ points: [...] }`. */
export const TelemetryBatch = Type.Object(
  {
    points: Type.Array(TelemetryReading, { minItems: 1, maxItems: limits.maxBatchPoints }),
  },
  { additionalProperties: false, title: 'TelemetryBatch' },
);
export type TelemetryBatch = Static<typeof TelemetryBatch>;

/** What a device may publish on `devices/{id}/telemetry`. */
export const TelemetryPayload = Type.Union([TelemetryReading, TelemetryBatch], {
  title: 'TelemetryPayload',
});
export type TelemetryPayload = Static<typeof TelemetryPayload>;

/**
 * The readings a telemetry message carries, whichever form it has (one reading, or a batch's
 * `points`); [] for anything that is neither. It looks at the form, not at each value: use it
 * on payloads validated already (the broker and the API validate every one they accept);
 * `parseTelemetry` and `validateTelemetry` take unchecked input.
 */
export function readingsOf(message: unknown): TelemetryReading[] {
  if (typeof message !== 'object' || message === null) return [];
  if ('points' in message && Array.isArray(message.points))
    return message.points as TelemetryReading[];
  if ('ts' in message && 'seq' in message) return [message as TelemetryReading];
  return [];
}

/** A reading as stored and queried: the device it came from plus the reading. */
export const StoredReading = Type.Object(
  { deviceId: Type.String(), ...TelemetryReading.properties },
  { additionalProperties: false, title: 'StoredReading' },
);
export type StoredReading = { deviceId: string } & TelemetryReading;
