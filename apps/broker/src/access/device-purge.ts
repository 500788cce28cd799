import type { Database } from '@twinwire/db/client';
import { forgetRetained, retainedTopicsOf } from '@twinwire/db/retained-messages';
import { statusTopic } from '@twinwire/schemas/topics';
import type { Aedes } from 'aedes';
import type { EraseSession } from '../clients/client-actions.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';

interface RetainedStore {
  storeRetained(packet: { topic: string; payload: Buffer }): Promise<void>;
}

/**
 * A deleted device leaves nothing behind on this broker: its persistent session
 * (subscriptions, queued messages, inbound QoS 2 state), its retained messages (its status
 * included) and its client registry row. Every broker hears the deletion (NOTIFY
 * device_access_changed) and purges its own store; a store shared through Redis is purged by
 * each of them, which is harmless. A device created again under the same id starts empty.
 */
export function createDevicePurge(deps: {
  aedes: Aedes;
  db: Database;
  /** '' when the retained store is shared (Redis), else this broker's id. */
  storeId: string;
  eraseSession: EraseSession;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  const store = (deps.aedes as unknown as { persistence: RetainedStore }).persistence;
  /** Devices being purged: their disconnect must not publish an `offline` status again. */
  const purging = new Set<string>();

  return {
    /** Before its connections are closed. */
    begin(deviceId: string): void {
      purging.add(deviceId);
    },
    isPurging: (deviceId: string) => purging.has(deviceId),
    /** Once its connections here are closed. */
    async finish(deviceId: string): Promise<void> {
      try {
        // The session under the device's client id, connected here last at any time.
        await deps.eraseSession(deviceId, Date.now());
        const topics = [
          statusTopic(deviceId),
          ...(await retainedTopicsOf(deps.db, deps.storeId, { kind: 'device', id: deviceId })),
        ];
        for (const topic of new Set(topics)) {
          await store.storeRetained({ topic, payload: Buffer.alloc(0) });
        }
        await forgetRetained(deps.db, deps.storeId, topics);
        deps.metrics.devicesPurged.inc();
        deps.log.info({ deviceId, retained: topics.length }, 'deleted device purged');
      } finally {
        purging.delete(deviceId);
      }
    },
  };
}

export type DevicePurge = ReturnType<typeof createDevicePurge>;
