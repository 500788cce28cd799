import { performance } from 'node:perf_hooks';
import type { TelemetryWriter } from '@twinwire/db/telemetry-writer';
import { parseTelemetry } from '@twinwire/schemas/validate';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import { PAYLOAD_FORMAT_INVALID, UNSPECIFIED_ERROR, type Refusal } from '../access/refusal.ts';

/** Stored (QoS 1/2, committed), buffered (QoS 0), or refused with why. */
export type IngestOutcome = 'stored' | 'buffered' | Refusal;

/**
 * The delivery guarantee for MQTT devices. QoS 1/2 readings resolve only once committed, so
 * the caller acknowledges after the commit; while the database is down they wait
 * (back-pressure). QoS 0 readings go to the bounded buffer and are dropped, and counted,
 * when it is full. Invalid payloads are never stored; the refusal says why, for the caller
 * to tell the device in its protocol.
 */
export function createTelemetryIngest(deps: {
  writer: TelemetryWriter;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  return async function ingest(
    deviceId: string,
    payload: Uint8Array | string,
    qos: 0 | 1 | 2,
  ): Promise<IngestOutcome> {
    const parsed = parseTelemetry(payload);
    if (!parsed.ok) {
      deps.metrics.telemetryInvalid.inc({ code: parsed.error.code });
      const { code, message } = parsed.error;
      return { code, message, reasonCode: PAYLOAD_FORMAT_INVALID };
    }
    const rows = parsed.value.map(({ ts, seq, metrics }) => ({ deviceId, ts, seq, metrics }));

    if (qos === 0) {
      for (const row of rows) {
        const committed = deps.writer.offer(row);
        if (committed === null) {
          deps.metrics.telemetryQos0Dropped.inc();
          continue;
        }
        committed.then(
          () => {
            deps.metrics.telemetryCommitted.inc();
          },
          (error: unknown) => {
            deps.log.warn({ err: error, deviceId }, 'QoS 0 reading refused by the database');
          },
        );
      }
      return 'buffered';
    }

    const started = performance.now();
    try {
      // One reading per message is the common case: no Promise.all around a single write.
      const [first] = rows;
      await (rows.length === 1 && first !== undefined
        ? deps.writer.write(first)
        : Promise.all(rows.map((row) => deps.writer.write(row))));
    } catch (error) {
      deps.log.warn({ err: error, deviceId }, 'reading refused by the database');
      return {
        code: 'TWW_NOT_STORED',
        message: 'the reading was not stored; send it again later',
        reasonCode: UNSPECIFIED_ERROR,
      };
    }
    deps.metrics.telemetryCommitted.inc(rows.length);
    deps.metrics.commitSeconds.observe((performance.now() - started) / 1000);
    return 'stored';
  };
}

export type TelemetryIngest = ReturnType<typeof createTelemetryIngest>;
