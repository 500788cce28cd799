import { performance } from 'node:perf_hooks';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import type { TelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { TelemetryReading } from '@twinwire/schemas/telemetry';
import { parseTelemetry, type ValidationIssue } from '@twinwire/schemas/validate';
import type { DeviceLog } from './log.ts';
import type { IngestOutcome } from './outcomes.ts';

/**
 * `durable`: the caller acknowledges only after the commit (MQTT QoS 1/2, the WebSocket
 * device protocol), so the outcome waits for it, and while the database is down it waits
 * (back-pressure). `buffered`: MQTT QoS 0, nothing to acknowledge: the readings go to the
 * bounded buffer, and are dropped and counted when it is full.
 */
export type Delivery = 'durable' | 'buffered';

/** Counts for the app's metrics; every member optional. */
export interface IngestObserver {
  invalid?(code: ValidationIssue['code']): void;
  /** QoS 0 readings the full buffer dropped. */
  dropped?(): void;
  committed?(readings: number): void;
  /** How long a durable ingest waited for its commit. */
  commitSeconds?(seconds: number): void;
}

export interface Ingest {
  /** A payload as a device sent it (bytes): validated, then stored. */
  accept(
    deviceId: string,
    payload: Uint8Array | string,
    delivery: Delivery,
  ): Promise<IngestOutcome>;
  /** Readings a transport already validated (a WebSocket telemetry frame): stored. */
  acceptReadings(
    deviceId: string,
    readings: readonly TelemetryReading[],
    delivery: Delivery,
  ): Promise<IngestOutcome>;
}

/**
 * The delivery guarantee, once for both transports: a reading is validated, never stored
 * when invalid, and acknowledged only as its outcome says (see {@link IngestOutcome}).
 * Readings are idempotent by (device id, ts, seq): a redelivery is stored once.
 */
export function createIngest(deps: {
  writer: TelemetryWriter;
  log: DeviceLog;
  observe?: IngestObserver;
}): Ingest {
  const observe = deps.observe ?? {};

  function buffer(rows: TelemetryRow[], deviceId: string): IngestOutcome {
    for (const row of rows) {
      const committed = deps.writer.offer(row);
      if (committed === null) {
        observe.dropped?.();
        continue;
      }
      committed.then(
        () => observe.committed?.(1),
        (error: unknown) => {
          deps.log.warn({ err: error, deviceId }, 'QoS 0 reading refused by the database');
        },
      );
    }
    return { kind: 'stored', committed: false };
  }

  async function commit(rows: TelemetryRow[], deviceId: string): Promise<IngestOutcome> {
    const started = performance.now();
    try {
      // One reading per message is the common case: no Promise.all around a single write.
      const [first] = rows;
      await (rows.length === 1 && first !== undefined
        ? deps.writer.write(first)
        : Promise.all(rows.map((row) => deps.writer.write(row))));
    } catch (error) {
      deps.log.warn({ err: error, deviceId }, 'reading refused by the database');
      return { kind: 'unavailable' };
    }
    observe.committed?.(rows.length);
    observe.commitSeconds?.((performance.now() - started) / 1000);
    return { kind: 'stored', committed: true };
  }

  function store(
    deviceId: string,
    readings: readonly TelemetryReading[],
    delivery: Delivery,
  ): Promise<IngestOutcome> {
    const rows = readings.map(({ ts, seq, metrics }) => ({ deviceId, ts, seq, metrics }));
    return delivery === 'buffered'
      ? Promise.resolve(buffer(rows, deviceId))
      : commit(rows, deviceId);
  }

  return {
    accept(deviceId, payload, delivery) {
      const parsed = parseTelemetry(payload);
      if (!parsed.ok) {
        observe.invalid?.(parsed.error.code);
        return Promise.resolve({ kind: 'invalid', reason: parsed.error });
      }
      return store(deviceId, parsed.value, delivery);
    },
    acceptReadings: store,
  };
}
