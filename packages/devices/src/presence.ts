import { recordPresence } from '@twinwire/alarms/presence-events';
import type { Database } from '@twinwire/db/client';
import { LastSeenBatch } from '@twinwire/db/last-seen';
import type { DeviceProtocol, DeviceStatus } from '@twinwire/schemas/messages';
import type pg from 'pg';
import type { DeviceLog } from './log.ts';

/**
 * Keeps a device's retained `devices/{id}/status` and its devices row (online flag, protocol,
 * last-seen time) true, whichever transport it uses. Announcements for one device run in
 * order, so a quick reconnect's "online" is never overtaken by the "offline" before it.
 * Last-seen times are written in one statement per flush, not one per message.
 */
export function createPresence(deps: {
  /** Publishes the retained status; resolves (never rejects) once the broker has it. */
  publishStatus(deviceId: string, status: DeviceStatus): Promise<void>;
  db: Database;
  pool: pg.Pool;
  log: DeviceLog;
  /** How often last-seen times are written. */
  lastSeenFlushMs: number;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  const lastSeen = new LastSeenBatch(deps.db, now);
  const chains = new Map<string, Promise<void>>();

  async function record(deviceId: string, status: DeviceStatus): Promise<void> {
    try {
      // With the device.online / device.offline webhook event, in one transaction.
      await recordPresence(deps.pool, {
        deviceId,
        online: status.online,
        protocol: status.protocol,
        atMs: status.since,
      });
    } catch (error) {
      deps.log.warn({ err: error, deviceId }, 'could not record device presence');
    }
  }

  async function announce(
    deviceId: string,
    online: boolean,
    protocol: DeviceProtocol,
  ): Promise<void> {
    const status: DeviceStatus = { online, since: now(), protocol };
    lastSeen.forget(deviceId);
    await Promise.all([deps.publishStatus(deviceId, status), record(deviceId, status)]);
  }

  function enqueue(deviceId: string, online: boolean, protocol: DeviceProtocol): Promise<void> {
    const next = (chains.get(deviceId) ?? Promise.resolve()).then(() =>
      announce(deviceId, online, protocol),
    );
    chains.set(deviceId, next);
    void next.then(() => {
      if (chains.get(deviceId) === next) chains.delete(deviceId);
    });
    return next;
  }

  async function flushLastSeen(): Promise<void> {
    await lastSeen.flush().catch((error: unknown) => {
      deps.log.warn({ err: error }, 'could not record last-seen times');
    });
  }
  const flushTimer = setInterval(() => void flushLastSeen(), deps.lastSeenFlushMs);
  flushTimer.unref();

  return {
    online: (deviceId: string, protocol: DeviceProtocol) => enqueue(deviceId, true, protocol),
    offline: (deviceId: string, protocol: DeviceProtocol) => enqueue(deviceId, false, protocol),
    /** The device sent something: its last-seen time is written with the next flush. */
    seen(deviceId: string): void {
      lastSeen.seen(deviceId);
    },
    /** Stops the timer and writes the last-seen times collected since the previous flush. */
    async close(): Promise<void> {
      clearInterval(flushTimer);
      await flushLastSeen();
    },
  };
}

export type Presence = ReturnType<typeof createPresence>;
