import { createAclStore } from '@twinwire/db/acl-store';
import type { DbClient } from '@twinwire/db/client';
import { databaseAnswers } from '@twinwire/db/reachability';
import { SHARED_RETAINED_STORE } from '@twinwire/db/retained-messages';
import type { TelemetryWriter } from '@twinwire/db/telemetry-writer';
import { CredentialCache } from '@twinwire/devices/credential-cache';
import type { Aedes, Client, ConnectPacket } from 'aedes';
import { createBrokerRevocation } from './access/revocation.ts';
import { closeAedes, createAedes } from './aedes-instance.ts';
import { watchClientEvents } from './client-events.ts';
import { openClientServices } from './clients/client-services.ts';
import type { ClientRegistry } from './clients/client-registry.ts';
import { Closers } from './closers.ts';
import { createClusterBackends } from './cluster.ts';
import type { BrokerConfig } from './config.ts';
import { ConnectionRegistry } from './connections.ts';
import { listenForChanges } from './db-events.ts';
import { openHttpServer } from './http-server.ts';
import { openTelemetryStore } from './ingest/telemetry-store.ts';
import { openListeners, type ListenerAddresses } from './listeners.ts';
import type { Logger } from './log.ts';
import { createBrokerMetrics, type BrokerMetrics } from './metrics.ts';
import { installOutgoingQueues } from './outgoing-queues.ts';
import { createClientIdOwnership } from './ownership/client-id-ownership.ts';
import { MemoryOwnerStore } from './ownership/owner-store.ts';
import { createRedisOwnerStore } from './ownership/redis-owner-store.ts';
import { installPolicy } from './policy.ts';
import { createBrokerPresence } from './presence.ts';
import { createRetainedSources } from './retained/retained-sources.ts';
import { SessionRegistry } from './sessions.ts';

export interface BrokerDeps {
  config: BrokerConfig;
  db: DbClient;
  /** The same database as `db`: the broker LISTENs for rule and access changes on it. */
  databaseUrl: string;
  log: Logger;
  /** How often connected devices are re-checked and last-seen times written. */
  housekeepingIntervalMs?: number;
  /** How long a CONNECT may take to authenticate (hash included) before it is refused busy. */
  authTimeoutMs?: number;
}

export interface Broker {
  aedes: Aedes;
  /** This broker's rows in the cluster-wide client registry (mqtt_clients). */
  clientRegistry: ClientRegistry;
  metrics: BrokerMetrics;
  writer: TelemetryWriter;
  addresses: ListenerAddresses & { http: number };
  /** Stops accepting, publishes offline status, disconnects clients, commits every buffered reading. */
  close(): Promise<void>;
}

/** How long a clustered broker waits for Redis at start before it gives up. */
const REDIS_START_TIMEOUT_MS = 10_000;

/**
 * The broker: aedes with the platform's policy in its hooks, the device core behind them, and
 * its listeners. Whatever is opened registers its closer (closers.ts) at once, so a start
 * that fails half-way releases what it opened, the same way `close()` does.
 */
export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const closers = new Closers(deps.log);
  let closing = false;
  try {
    const broker = await startBroker(deps, closers, () => closing);
    return {
      ...broker,
      async close() {
        if (closing) return;
        closing = true;
        await closers.close();
        deps.log.info(broker.writer.stats(), 'broker closed');
      },
    };
  } catch (error) {
    closing = true;
    await closers.close().catch(() => undefined);
    throw error;
  }
}

async function startBroker(
  deps: BrokerDeps,
  closers: Closers,
  isClosing: () => boolean,
): Promise<Omit<Broker, 'close'>> {
  const { config, log } = deps;
  const housekeepingIntervalMs = deps.housekeepingIntervalMs ?? 10_000;
  const metrics = createBrokerMetrics();
  const sessions = new SessionRegistry();
  const connections = new ConnectionRegistry();
  const connectPackets = new WeakMap<Client, ConnectPacket>();
  const credentials = new CredentialCache(30_000);
  const aclStore = await createAclStore({
    db: deps.db.db,
    onReload: (outcome) => {
      if ('error' in outcome) {
        metrics.aclReloads.inc({ outcome: 'failed' });
        log.error({ err: outcome.error }, 'ACL reload failed; keeping the previous rules');
      } else {
        metrics.aclReloads.inc({ outcome: 'ok' });
        log.info(outcome, 'ACL rules reloaded');
      }
    },
  });

  // --- the MQTT broker, on Redis when clustered ---
  const cluster = config.REDIS_URL ? createClusterBackends(config.REDIS_URL, log) : undefined;
  if (cluster) {
    await cluster.ready(REDIS_START_TIMEOUT_MS);
    closers.add('cluster', () => cluster.close());
    metrics.watchRedis(cluster.connected);
  }
  const aedes = await createAedes(config, cluster);
  closers.add('disconnect-clients', () => closeAedes(aedes));
  // The in-memory persistence loses and duplicates QoS 2 messages of persistent sessions:
  // without Redis the outgoing queues are ours (and counted for the client registry).
  const sessionQueues = cluster ? cluster.sessionQueues : installOutgoingQueues(aedes);
  const ownership = createClientIdOwnership({
    store: cluster ? createRedisOwnerStore(cluster.sessions, aedes.id) : new MemoryOwnerStore(),
    aedes,
    log,
  });
  // Rows of a retained store every broker shares (Redis) belong to no broker.
  const retainedStoreId = cluster ? SHARED_RETAINED_STORE : aedes.id;
  const retainedSources = createRetainedSources({
    aedes,
    db: deps.db.db,
    storeId: retainedStoreId,
    brokerId: aedes.id,
    sessions,
    acl: aclStore.current,
    metrics,
    log,
  });
  closers.add('retained', () => retainedSources.flush());

  // --- the device core, adapted to MQTT ---
  const writer = await openTelemetryStore({
    aedes,
    db: deps.db,
    databaseUrl: deps.databaseUrl,
    maxQueuedRows: config.QOS0_BUFFER_ROWS,
    closers,
    log,
  });
  const presence = createBrokerPresence({
    aedes,
    db: deps.db.db,
    pool: deps.db.pool,
    log,
    lastSeenFlushMs: housekeepingIntervalMs,
  });
  closers.add('presence', () => presence.close());

  // --- aedes' hooks: who may connect, publish, subscribe, receive; what telemetry becomes ---
  installPolicy({
    aedes,
    config,
    authTimeoutMs: deps.authTimeoutMs ?? 5_000,
    db: deps.db.db,
    acl: aclStore.current,
    sessions,
    connections,
    connectPackets,
    credentials,
    ownership,
    writer,
    cluster,
    closers,
    metrics,
    log,
  });

  // --- clients seen from outside, and what changes reach this broker ---
  const { clientRegistry, clientActions, purge } = await openClientServices({
    aedes,
    db: deps.db,
    retainedStoreId,
    sharedSessions: cluster !== undefined,
    sessions,
    connections,
    connectPackets,
    queues: sessionQueues,
    heartbeatIntervalMs: housekeepingIntervalMs,
    closers,
    metrics,
    log,
  });
  watchClientEvents({
    aedes,
    sessions,
    presence,
    ownership,
    purge,
    retainedSources,
    isClosing,
    closers,
  });
  const revocation = createBrokerRevocation({
    db: deps.db.db,
    sessions,
    cache: credentials,
    purge,
    metrics,
    log,
  });
  await listenForChanges({
    databaseUrl: deps.databaseUrl,
    aclStore,
    revocation,
    removeRetained: (topic) => retainedSources.remove(topic),
    clientActions,
    housekeeping: {
      expireSessions: () => ownership.sweep(),
      refreshClients: () => clientRegistry.refresh(),
    },
    housekeepingIntervalMs,
    closers,
    log,
  });

  // --- listeners last: nothing connects before everything above is ready ---
  const listeners = await openListeners({ config, aedes, connections, metrics, log });
  let listenersClosed: Promise<void> | undefined;
  closers.add('stop-accepting', () => {
    listenersClosed = listeners.stopAccepting();
  });
  closers.add('listeners-closed', () => listenersClosed);
  const http = await openHttpServer({
    port: config.BROKER_HTTP_PORT,
    host: config.MQTT_HOST,
    registry: metrics.registry,
    // A broker that cannot store readings refuses devices (CONNACK 3) and acknowledges
    // nothing: a load balancer must send them to another instance meanwhile.
    notReadyBecause: async () => {
      if (isClosing()) return 'shutting down';
      if (cluster && !cluster.connected()) return 'redis unreachable';
      return (await databaseAnswers(deps.db.pool)) ? undefined : 'database unreachable';
    },
  });
  closers.add('http', () => http.close());

  return {
    aedes,
    clientRegistry,
    metrics,
    writer,
    addresses: { ...listeners.addresses, http: http.port },
  };
}
