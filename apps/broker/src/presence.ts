import type { Database } from '@twinwire/db/client';
import { LastSeenBatch } from '@twinwire/db/last-seen';
import { recordPresence } from '@twinwire/alarms/presence-events';
import type { DeviceProtocol, DeviceStatus } from '@twinwire/schemas/messages';
import { statusTopic } from '@twinwire/schemas/topics';
import type { Aedes } from 'aedes';
import type pg from 'pg';
import type { Logger } from './log.ts';

/**
 * Keeps `devices/{id}/status` (retained) and the devices table's online flag and last-seen
 * time true. Last-seen is written in one statement per interval, not one per message.
 */
export function createPresence(deps: {
  aedes: Aedes;
  db: Database;
  pool: pg.Pool;
  log: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const lastSeen = new LastSeenBatch(deps.db, now);

  function publishStatus(deviceId: string, status: DeviceStatus): Promise<void> {
    return new Promise((resolve) => {
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
    });
  }

  async function record(
    deviceId: string,
    online: boolean,
    protocol: DeviceProtocol,
    at: number,
  ): Promise<void> {
    try {
      // With the device.online / device.offline webhook event, in one transaction.
      await recordPresence(deps.pool, { deviceId, online, protocol, atMs: at });
    } catch (error) {
      deps.log.warn({ err: error, deviceId }, 'could not record device presence');
    }
  }

  async function announce(
    deviceId: string,
    online: boolean,
    protocol: DeviceProtocol,
  ): Promise<void> {
    const since = now();
    lastSeen.forget(deviceId);
    await Promise.all([
      publishStatus(deviceId, { online, since, protocol }),
      record(deviceId, online, protocol, since),
    ]);
  }

  return {
    online: (deviceId: string, protocol: DeviceProtocol) => announce(deviceId, true, protocol),
    offline: (deviceId: string, protocol: DeviceProtocol) => announce(deviceId, false, protocol),
    seen(deviceId: string): void {
      lastSeen.seen(deviceId);
    },
    /** Writes the last-seen times collected since the previous flush. */
    async flushLastSeen(): Promise<void> {
      await lastSeen.flush().catch((error: unknown) => {
        deps.log.warn({ err: error }, 'could not record last-seen times');
      });
    },
  };
}
