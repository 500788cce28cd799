import type { DbClient } from '@twinwire/db/client';
import type { Aedes, Client, ConnectPacket } from 'aedes';
import { createDevicePurge } from '../access/device-purge.ts';
import type { Closers } from '../closers.ts';
import type { ConnectionRegistry } from '../connections.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { SessionRegistry } from '../sessions.ts';
import type { SessionQueues } from './session-queues.ts';
import { createClientActions, createSessionEraser } from './client-actions.ts';
import { createClientRegistry } from './client-registry.ts';

/**
 * The admin's Clients view and what acts on clients from outside: this broker's rows in the
 * cluster-wide registry (mqtt_clients), the actions asked of it by NOTIFY (disconnect, erase a
 * session), and the purge of a deleted device's sessions and retained messages.
 */
export async function openClientServices(deps: {
  aedes: Aedes;
  db: DbClient;
  /** Where this broker's retained messages are recorded (shared by a cluster). */
  retainedStoreId: string;
  sharedSessions: boolean;
  sessions: SessionRegistry;
  connections: ConnectionRegistry;
  connectPackets: WeakMap<Client, ConnectPacket>;
  queues: SessionQueues;
  heartbeatIntervalMs: number;
  closers: Closers;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  const { aedes, log } = deps;
  const clientRegistry = createClientRegistry({
    aedes,
    db: deps.db.db,
    brokerId: aedes.id,
    sharedSessions: deps.sharedSessions,
    sessions: deps.sessions,
    connections: deps.connections,
    connectPackets: deps.connectPackets,
    queues: deps.queues,
    heartbeatIntervalMs: deps.heartbeatIntervalMs,
    log,
  });
  deps.closers.add('client-registry', () =>
    clientRegistry.close().catch((error: unknown) => {
      log.warn({ err: error }, 'could not settle this broker’s client registry rows');
    }),
  );
  await clientRegistry.start();
  const eraseSession = createSessionEraser({
    aedes,
    registry: clientRegistry,
    queues: deps.queues,
  });
  const clientActions = createClientActions({
    registry: clientRegistry,
    eraseSession,
    brokerId: aedes.id,
    log,
  });
  const purge = createDevicePurge({
    aedes,
    db: deps.db.db,
    storeId: deps.retainedStoreId,
    eraseSession: async (clientId, connectedAt) => {
      await eraseSession(clientId, connectedAt);
      await clientRegistry.flush();
    },
    metrics: deps.metrics,
    log,
  });
  return { clientRegistry, clientActions, purge };
}
