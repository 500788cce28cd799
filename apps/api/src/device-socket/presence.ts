import type { Database } from '@twinwire/db/client';
import { createPresence, type Presence } from '@twinwire/devices/presence';
import { statusTopic } from '@twinwire/schemas/topics';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { BrokerLink } from '../broker-link.ts';

/**
 * The device core's presence for devices on `/ws/device`: the retained `devices/{id}/status`
 * (as the broker keeps it for MQTT devices) is published through the broker link.
 */
export function createWsPresence(deps: {
  link: () => BrokerLink | null;
  db: Database;
  pool: pg.Pool;
  log: FastifyBaseLogger;
  /** How often last-seen times are written (one statement for every device). */
  lastSeenFlushMs: number;
}): Presence {
  return createPresence({
    db: deps.db,
    pool: deps.pool,
    log: deps.log,
    lastSeenFlushMs: deps.lastSeenFlushMs,
    publishStatus: async (deviceId, status) => {
      await deps
        .link()
        ?.publish(statusTopic(deviceId), JSON.stringify(status), { qos: 1, retain: true })
        .catch((error: unknown) => {
          deps.log.warn({ err: error, deviceId }, 'status publish failed');
        });
    },
  });
}
