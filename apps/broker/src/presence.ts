import type { Database } from '@twinwire/db/client';
import { createPresence, type Presence } from '@twinwire/devices/presence';
import { statusTopic } from '@twinwire/schemas/topics';
import type { Aedes } from 'aedes';
import type pg from 'pg';
import type { Logger } from './log.ts';

/**
 * The device core's presence for MQTT devices: the retained `devices/{id}/status` is
 * published by this broker itself (QoS 1, retained), straight into aedes.
 */
export function createBrokerPresence(deps: {
  aedes: Aedes;
  db: Database;
  pool: pg.Pool;
  log: Logger;
  lastSeenFlushMs: number;
}): Presence {
  return createPresence({
    db: deps.db,
    pool: deps.pool,
    log: deps.log,
    lastSeenFlushMs: deps.lastSeenFlushMs,
    publishStatus: (deviceId, status) =>
      new Promise((resolve) => {
        deps.aedes.publish(
          {
            cmd: 'publish',
            topic: statusTopic(deviceId),
            payload: Buffer.from(JSON.stringify(status)),
            qos: 1,
            retain: true,
            dup: false,
          },
          (error?: Error) => {
            if (error) deps.log.warn({ err: error, deviceId }, 'status publish failed');
            resolve();
          },
        );
      }),
  });
}
