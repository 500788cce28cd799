import type { Database } from '@twinwire/db/client';
import { LastSeenBatch } from '@twinwire/db/last-seen';
import { recordPresence } from '@twinwire/alarms/presence-events';
import type { DeviceStatus } from '@twinwire/schemas/messages';
import { statusTopic } from '@twinwire/schemas/topics';
import type pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { BrokerLink } from '../broker-link.ts';

/**
 * Presence of devices connected over `/ws/device`: the retained `devices/{id}/status` (as the
 * broker keeps it for MQTT devices) and the devices row. A device may hold several sockets:
 * it is online from the first to the last. Announcements for one device run in order.
 */
export function createWsPresence(deps: {
  link: () => BrokerLink | null;
  db: Database;
  pool: pg.Pool;
  log: FastifyBaseLogger;
  /** How often last-seen times are written (one statement for every device). */
  lastSeenFlushMs?: number;
}) {
  const sockets = new Map<string, number>();
  const chains = new Map<string, Promise<void>>();
  const lastSeen = new LastSeenBatch(deps.db);
  const flushLastSeen = () =>
    lastSeen.flush().catch((error: unknown) => {
      deps.log.warn({ err: error }, 'could not record last-seen times');
    });
  const flushTimer = setInterval(() => void flushLastSeen(), deps.lastSeenFlushMs ?? 10_000);
  flushTimer.unref();

  async function announce(deviceId: string, online: boolean): Promise<void> {
    const since = Date.now();
    lastSeen.forget(deviceId);
    const status: DeviceStatus = { online, since, protocol: 'websocket' };
    const published = deps
      .link()
      ?.publish(statusTopic(deviceId), JSON.stringify(status), { qos: 1, retain: true })
      .catch((error: unknown) => {
        deps.log.warn({ err: error, deviceId }, 'status publish failed');
      });
    // With the device.online / device.offline webhook event, in one transaction.
    const recorded = recordPresence(deps.pool, {
      deviceId,
      online,
      protocol: 'websocket',
      atMs: since,
    }).then(
      () => undefined,
      (error: unknown) => {
        deps.log.warn({ err: error, deviceId }, 'could not record device presence');
      },
    );
    await Promise.all([published, recorded]);
  }

  function enqueue(deviceId: string, online: boolean): Promise<void> {
    const next = (chains.get(deviceId) ?? Promise.resolve()).then(() => announce(deviceId, online));
    chains.set(deviceId, next);
    void next.then(() => {
      if (chains.get(deviceId) === next) chains.delete(deviceId);
    });
    return next;
  }

  return {
    /** The device sent something: its last-seen time is written with the next flush. */
    seen(deviceId: string): void {
      lastSeen.seen(deviceId);
    },
    connected(deviceId: string): Promise<void> {
      const count = (sockets.get(deviceId) ?? 0) + 1;
      sockets.set(deviceId, count);
      return count === 1 ? enqueue(deviceId, true) : Promise.resolve();
    },
    disconnected(deviceId: string): Promise<void> {
      const count = (sockets.get(deviceId) ?? 0) - 1;
      if (count > 0) {
        sockets.set(deviceId, count);
        return Promise.resolve();
      }
      if (!sockets.delete(deviceId)) return Promise.resolve();
      return enqueue(deviceId, false);
    },
    /** Marks every connected device offline (on shutdown) and stops flushing. */
    async allOffline(): Promise<void> {
      clearInterval(flushTimer);
      await flushLastSeen();
      const ids = [...sockets.keys()];
      sockets.clear();
      await Promise.all(ids.map((deviceId) => enqueue(deviceId, false)));
    },
  };
}
