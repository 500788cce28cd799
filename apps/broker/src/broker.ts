import type { DbClient } from '@twinwire/db/client';
import { createTelemetryWriter, type TelemetryWriter } from '@twinwire/db/telemetry-writer';
import { Aedes, type Client, type ConnectPacket } from 'aedes';
import { createAclStore } from '@twinwire/db/acl-store';
import { createAlarmEvaluator } from '@twinwire/alarms/evaluator';
import { alarmEventPacket } from '@twinwire/alarms/alarm-topic';
import { CLIENT_ACTIONS_CHANNEL, parseClientAction } from '@twinwire/db/client-registry';
import { databaseAnswers } from '@twinwire/db/reachability';
import {
  parseRetainedRemoval,
  RETAINED_ACTIONS_CHANNEL,
  SHARED_RETAINED_STORE,
} from '@twinwire/db/retained-messages';
import { createDevicePurge } from './access/device-purge.ts';
import { createRevocation } from './access/revocation.ts';
import { createClientActions, createSessionEraser } from './clients/client-actions.ts';
import { createClientRegistry, type ClientRegistry } from './clients/client-registry.ts';
import { createClusterBackends } from './cluster.ts';
import type { BrokerConfig } from './config.ts';
import { watchConnectRefusals } from './connect-refusals.ts';
import { ConnectionRegistry } from './connections.ts';
import { listenToDb } from '@twinwire/db/listen';
import { createDeviceNotifier } from './device-errors.ts';
import { createAccessHooks } from './hooks.ts';
import { openHttpServer } from './http-server.ts';
import { createAuthenticator } from './identity/authenticator.ts';
import { CredentialCache } from './identity/credential-cache.ts';
import { createLoginGuard } from './identity/login-guard.ts';
import { createLoginProtection } from '@twinwire/logins/login-protection';
import { createTelemetryIngest } from './ingest/telemetry-ingest.ts';
import { openListeners, type ListenerAddresses } from './listeners.ts';
import type { Logger } from './log.ts';
import { createBrokerMetrics, type BrokerMetrics } from './metrics.ts';
import { installOutgoingQueues } from './outgoing-queues.ts';
import { createClientIdOwnership } from './ownership/client-id-ownership.ts';
import { MemoryOwnerStore } from './ownership/owner-store.ts';
import { createRedisOwnerStore } from './ownership/redis-owner-store.ts';
import { createPresence } from './presence.ts';
import { createRetainedSources } from './retained/retained-sources.ts';
import { SessionRegistry } from './sessions.ts';
import { MemoryGroupStore } from './shared-subscriptions/memory-group-store.ts';
import { createRedisGroupStore } from './shared-subscriptions/redis-group-store.ts';
import type { SessionQueue } from './shared-subscriptions/member-delivery.ts';
import { installSharedSubscriptions } from './shared-subscriptions/shared-subscriptions.ts';

export interface BrokerDeps {
  config: BrokerConfig;
  db: DbClient;
  /** The same database as `db`: the broker LISTENs for rule and access changes on it. */
  databaseUrl: string;
  log: Logger;
  /** How often connected devices are re-checked and last-seen times written. */
  housekeepingIntervalMs?: number;
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

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { config, log } = deps;
  const metrics = createBrokerMetrics();
  const sessions = new SessionRegistry();
  const connections = new ConnectionRegistry();
  const connectPackets = new WeakMap<Client, ConnectPacket>();
  const cache = new CredentialCache(30_000);
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
  const cluster = config.REDIS_URL ? createClusterBackends(config.REDIS_URL, log) : undefined;
  if (cluster) {
    await cluster.ready(REDIS_START_TIMEOUT_MS);
    metrics.watchRedis(cluster.connected);
  }
  const aedes = await Aedes.createBroker({
    ...cluster?.backends,
    ...(config.BROKER_ID ? { id: config.BROKER_ID } : {}),
    // mqemitter's default cap of 100 in-flight messages queues the rest, and a long run of
    // queued messages without listeners recurses until the stack overflows (reproduced at
    // 30k QoS 1 msgs/s; upstream mcollina/mqemitter#204). Without the cap nothing queues;
    // slow subscribers are bounded by drainTimeout instead.
    concurrency: 0,
    connectTimeout: config.MQTT_CONNECT_TIMEOUT_MS,
    maxInflightInbound: config.MQTT_MAX_INFLIGHT_QOS2,
    drainTimeout: config.MQTT_DRAIN_TIMEOUT_MS,
    maxClientsIdLength: 128,
    // Deeper topics reach the hooks first, which refuse them with an answer (see hooks.ts).
    maxTopicLevels: config.MQTT_MAX_TOPIC_LEVELS,
    // MQTT 3.1.1 over the limit (or 0) gets CONNACK 2; MQTT 5.0 is told Server Keep Alive.
    keepaliveLimit: config.MQTT_MAX_KEEPALIVE_S,
    // MQTT 5.0 CONNACK: enforced here (Receive Maximum, topic aliases) and by the packet
    // guard (Maximum Packet Size, before aedes reads the packet).
    receiveMaximum: config.MQTT_RECEIVE_MAXIMUM,
    topicAliasMaximum: config.MQTT_TOPIC_ALIAS_MAXIMUM,
    maximumPacketSize: config.MQTT_MAX_PACKET_BYTES,
    // $share/{group}/{filter} is dispatched cluster-wide by shared-subscriptions/ (aedes alone
    // would deliver once per broker holding a member).
    sharedSubscriptions: true,
  });
  const alarms = createAlarmEvaluator({
    pool: deps.db.pool,
    databaseUrl: deps.databaseUrl,
    log,
    // This broker made the transition, so it alone publishes it (QoS 1, not retained).
    onEvent: (event) => {
      aedes.publish(alarmEventPacket(event), () => undefined);
    },
  });
  await alarms.ready;
  const writer = createTelemetryWriter({
    pool: deps.db.pool,
    maxQueuedRows: config.QOS0_BUFFER_ROWS,
    // Alarm rules run where readings commit, so MQTT and WebSocket devices share them.
    onCommitted: (rows) => alarms.evaluate(rows),
    onRetry: (error, attempt) => {
      if (attempt === 1)
        log.warn({ err: error }, 'database unavailable: holding readings and retrying');
    },
  });

  // The in-memory persistence loses and duplicates QoS 2 messages of persistent sessions:
  // without Redis the outgoing queues are ours (and counted for the client registry).
  const sessionQueues = cluster ? cluster.sessionQueues : installOutgoingQueues(aedes);

  const ownership = createClientIdOwnership({
    store: cluster ? createRedisOwnerStore(cluster.sessions, aedes.id) : new MemoryOwnerStore(),
    aedes,
    log,
  });
  const notify = createDeviceNotifier(aedes);
  const presence = createPresence({ aedes, db: deps.db.db, pool: deps.db.pool, log });
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
  const hooks = createAccessHooks({
    acl: aclStore.current,
    sessions,
    ingest: createTelemetryIngest({ writer, metrics, log }),
    notify,
    metrics,
    log,
    maxTopicLevels: config.MQTT_MAX_TOPIC_LEVELS,
    maxPublishRate: config.MQTT_MAX_PUBLISH_RATE,
  });

  aedes.preConnect = (client, packet, callback) => {
    connectPackets.set(client, packet);
    callback(null, true);
  };
  watchConnectRefusals({
    aedes,
    connectPackets,
    maxKeepaliveS: config.MQTT_MAX_KEEPALIVE_S,
    metrics,
    log,
  });
  aedes.authenticate = createAuthenticator({
    db: deps.db.db,
    acl: aclStore.current,
    sessions,
    cache,
    connectPackets,
    connectionOf: (client) => connections.of(client),
    ownership,
    logins: createLoginGuard({ protection: createLoginProtection(config), metrics, log }),
    serviceSecret: config.SERVICE_SECRET,
    allowAnonymous: config.ALLOW_ANONYMOUS,
    timeoutMs: 5_000,
    metrics,
    log,
  });
  aedes.authorizePublish = hooks.authorizePublish;
  aedes.authorizeSubscribe = hooks.authorizeSubscribe;
  aedes.authorizeForward = hooks.authorizeForward;
  const strategy = config.SHARED_SUBSCRIPTION_STRATEGY;
  const sharedSubscriptions = installSharedSubscriptions({
    aedes,
    store: cluster
      ? createRedisGroupStore(cluster.sessions, aedes.id, strategy)
      : new MemoryGroupStore(aedes.id, strategy),
    queue: (aedes as Aedes & { persistence: SessionQueue }).persistence,
    authorizeForward: hooks.authorizeForward,
    metrics,
    log,
  });

  // --- client registry (admin's Clients view): rows in PostgreSQL, actions by NOTIFY ---
  const housekeepingIntervalMs = deps.housekeepingIntervalMs ?? 10_000;
  const clientRegistry = createClientRegistry({
    aedes,
    db: deps.db.db,
    brokerId: aedes.id,
    sharedSessions: cluster !== undefined,
    sessions,
    connections,
    connectPackets,
    queues: sessionQueues,
    heartbeatIntervalMs: housekeepingIntervalMs,
    log,
  });
  await clientRegistry.start();
  const eraseSession = createSessionEraser({
    aedes,
    registry: clientRegistry,
    queues: sessionQueues,
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
    storeId: retainedStoreId,
    eraseSession: async (clientId, connectedAt) => {
      await eraseSession(clientId, connectedAt);
      await clientRegistry.flush();
    },
    metrics,
    log,
  });
  const revocation = createRevocation({ db: deps.db.db, sessions, cache, purge, metrics, log });
  // --- end client registry ---

  aedes.on('clientReady', (client) => {
    const session = sessions.get(client);
    if (session?.principal.kind === 'device')
      void presence.online(session.principal.id, session.protocol);
  });
  let closing = false;
  aedes.on('clientDisconnect', (client) => {
    ownership.ended(client);
    const session = sessions.get(client);
    sessions.detach(client);
    // While closing, close() has published every device's offline status already, and the
    // cluster's Redis connections are going away.
    if (closing || session?.principal.kind !== 'device') return;
    // A deleted device's status is removed, not set offline.
    if (purge.isPurging(session.principal.id)) return;
    // A takeover by the same device disconnects the old client after the new one is ready.
    if (sessions.clientsOfDevice(session.principal.id).size === 0) {
      void presence.offline(session.principal.id, session.protocol);
    }
  });
  aedes.on('publish', (packet, client) => {
    retainedSources.published(packet, client);
    const session = client ? sessions.get(client) : undefined;
    if (session?.principal.kind === 'device') presence.seen(session.principal.id);
  });

  /** Background work must never reject unhandled: while the database is away it just fails, logged. */
  const inBackground = (what: string, work: () => Promise<void>) => () => {
    work().catch((error: unknown) => {
      log.warn({ err: error }, `${what} failed; will retry`);
    });
  };
  const sweep = inBackground('access re-check', () => revocation.sweep());
  const expireSessions = inBackground('session expiry', () => ownership.sweep());
  const dbEvents = listenToDb({
    url: deps.databaseUrl,
    applicationName: 'twinwire-broker-events',
    channels: {
      acl_rules_changed: inBackground('ACL reload', () => aclStore.reload()),
      device_access_changed: (deviceId) => {
        inBackground('access re-check', () => revocation.recheckDevice(deviceId))();
      },
      [RETAINED_ACTIONS_CHANNEL]: (payload) => {
        const topic = parseRetainedRemoval(payload);
        if (topic) inBackground('retained removal', () => retainedSources.remove(topic))();
      },
      [CLIENT_ACTIONS_CHANNEL]: (payload) => {
        const action = parseClientAction(payload);
        if (action) inBackground('client action', () => clientActions(action))();
      },
    },
    onReconnect: () => {
      inBackground('ACL reload', () => aclStore.reload())();
      sweep();
    },
    log,
  });
  await dbEvents.ready;
  const housekeeping = setInterval(() => {
    sweep();
    expireSessions();
    inBackground('last-seen update', () => presence.flushLastSeen())();
    inBackground('client registry refresh', () => clientRegistry.refresh())();
  }, housekeepingIntervalMs);
  housekeeping.unref();

  const closeAedes = () =>
    new Promise<void>((resolve) => {
      aedes.close(() => {
        resolve();
      });
    });
  let listeners: Awaited<ReturnType<typeof openListeners>> | undefined;
  let http: Awaited<ReturnType<typeof openHttpServer>>;
  try {
    listeners = await openListeners({ config, aedes, connections, metrics, log });
    http = await openHttpServer({
      port: config.BROKER_HTTP_PORT,
      host: config.MQTT_HOST,
      registry: metrics.registry,
      // A broker that cannot store readings refuses devices (CONNACK 3) and acknowledges
      // nothing: a load balancer must send them to another instance meanwhile.
      notReadyBecause: async () => {
        if (closing) return 'shutting down';
        if (cluster && !cluster.connected()) return 'redis unreachable';
        return (await databaseAnswers(deps.db.pool)) ? undefined : 'database unreachable';
      },
    });
  } catch (error) {
    clearInterval(housekeeping);
    await listeners?.stopAccepting();
    await closeAedes();
    await sharedSubscriptions.close();
    await cluster?.close();
    await writer.close();
    await alarms.close();
    await clientRegistry.close().catch(() => undefined);
    await dbEvents.close();
    throw error;
  }
  const openListenersNow = listeners;

  return {
    aedes,
    clientRegistry,
    metrics,
    writer,
    addresses: { ...openListenersNow.addresses, http: http.port },
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(housekeeping);
      const listenersClosed = openListenersNow.stopAccepting();
      await Promise.all(
        sessions.connectedDeviceIds().map((deviceId) => {
          const [client] = sessions.clientsOfDevice(deviceId);
          const session = client ? sessions.get(client) : undefined;
          return session ? presence.offline(deviceId, session.protocol) : Promise.resolve();
        }),
      );
      await closeAedes();
      await sharedSubscriptions.close();
      await cluster?.close();
      await listenersClosed;
      await writer.close();
      await alarms.close();
      await presence.flushLastSeen();
      await retainedSources.flush();
      await clientRegistry.close().catch((error: unknown) => {
        log.warn({ err: error }, 'could not settle this broker’s client registry rows');
      });
      await dbEvents.close();
      await http.close();
      log.info(writer.stats(), 'broker closed');
    },
  };
}
