import type { Acl } from '@twinwire/acl/acl';
import type { Database } from '@twinwire/db/client';
import type { TelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { CredentialCache } from '@twinwire/devices/credential-cache';
import { createLoginProtection } from '@twinwire/logins/login-protection';
import type { Aedes, Client, ConnectPacket } from 'aedes';
import { createPublishAccess } from './access/publish-access.ts';
import { createRefusals } from './access/refusal.ts';
import type { Closers } from './closers.ts';
import type { ClusterBackends } from './cluster.ts';
import type { BrokerConfig } from './config.ts';
import { watchConnectRefusals } from './connect-refusals.ts';
import type { ConnectionRegistry } from './connections.ts';
import { createDeviceNotifier } from './device-errors.ts';
import { createBrokerHooks } from './hooks.ts';
import { createAuthenticator } from './identity/authenticator.ts';
import { createLoginGuard } from './identity/login-guard.ts';
import { createMqttIngest } from './ingest/mqtt-ingest.ts';
import type { Logger } from './log.ts';
import type { BrokerMetrics } from './metrics.ts';
import type { ClientIdOwnership } from './ownership/client-id-ownership.ts';
import type { SessionRegistry } from './sessions.ts';
import type { SessionQueue } from './shared-subscriptions/member-delivery.ts';
import { MemoryGroupStore } from './shared-subscriptions/memory-group-store.ts';
import { createRedisGroupStore } from './shared-subscriptions/redis-group-store.ts';
import { installSharedSubscriptions } from './shared-subscriptions/shared-subscriptions.ts';

/**
 * aedes' hooks, where the platform's policy comes in: who may connect (and why a CONNECT was
 * refused), publish, subscribe and receive; what a device's telemetry becomes (the device
 * core's ingest, through ingest/mqtt-ingest.ts); shared subscriptions across the cluster.
 */
export function installPolicy(deps: {
  aedes: Aedes;
  config: BrokerConfig;
  authTimeoutMs: number;
  db: Database;
  acl: () => Acl;
  sessions: SessionRegistry;
  connections: ConnectionRegistry;
  connectPackets: WeakMap<Client, ConnectPacket>;
  credentials: CredentialCache;
  ownership: ClientIdOwnership;
  writer: TelemetryWriter;
  cluster: ClusterBackends | undefined;
  closers: Closers;
  metrics: BrokerMetrics;
  log: Logger;
}): void {
  const { aedes, config, connectPackets, cluster, metrics, log } = deps;
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
    db: deps.db,
    acl: deps.acl,
    sessions: deps.sessions,
    cache: deps.credentials,
    connectPackets,
    connectionOf: (client) => deps.connections.of(client),
    ownership: deps.ownership,
    logins: createLoginGuard({ protection: createLoginProtection(config), metrics, log }),
    serviceSecret: config.SERVICE_SECRET,
    allowAnonymous: config.ALLOW_ANONYMOUS,
    timeoutMs: deps.authTimeoutMs,
    metrics,
    log,
  });
  const refuse = createRefusals(createDeviceNotifier(aedes));
  const hooks = createBrokerHooks({
    acl: deps.acl,
    sessions: deps.sessions,
    refusePublish: createPublishAccess({
      acl: deps.acl,
      metrics,
      log,
      maxTopicLevels: config.MQTT_MAX_TOPIC_LEVELS,
      maxPublishRate: config.MQTT_MAX_PUBLISH_RATE,
    }),
    ingest: createMqttIngest({ writer: deps.writer, refuse, metrics, log }),
    refuse,
    metrics,
    log,
    maxTopicLevels: config.MQTT_MAX_TOPIC_LEVELS,
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
  deps.closers.add('shared-subscriptions', () => sharedSubscriptions.close());
}
