import { alarmEventPacket } from '@twinwire/alarms/alarm-topic';
import { createAlarmEvaluator } from '@twinwire/alarms/evaluator';
import type { DbClient } from '@twinwire/db/client';
import { createTelemetryWriter, type TelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { Aedes } from 'aedes';
import type { Closers } from '../closers.ts';
import type { Logger } from '../log.ts';

/**
 * Where MQTT devices' readings commit: the group-committing writer, with the alarm rules run
 * on every committed batch (so MQTT and WebSocket devices share them). An alarm transition
 * this broker made is published by it alone (QoS 1, not retained).
 */
export async function openTelemetryStore(deps: {
  aedes: Aedes;
  db: DbClient;
  databaseUrl: string;
  /** QOS0_BUFFER_ROWS */
  maxQueuedRows: number;
  closers: Closers;
  log: Logger;
}): Promise<TelemetryWriter> {
  const { log } = deps;
  const alarms = createAlarmEvaluator({
    pool: deps.db.pool,
    databaseUrl: deps.databaseUrl,
    log,
    onEvent: (event) => {
      deps.aedes.publish(alarmEventPacket(event), () => undefined);
    },
  });
  deps.closers.add('alarms', () => alarms.close());
  await alarms.ready;
  const writer = createTelemetryWriter({
    pool: deps.db.pool,
    maxQueuedRows: deps.maxQueuedRows,
    onCommitted: (rows) => alarms.evaluate(rows),
    onRetry: (error, attempt) => {
      if (attempt === 1)
        log.warn({ err: error }, 'database unavailable: holding readings and retrying');
    },
  });
  deps.closers.add('telemetry', () => writer.close());
  return writer;
}
