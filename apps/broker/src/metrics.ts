import type { HashGate } from '@twinwire/logins/hash-gate';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;

/** One registry per broker instance (no global state), exposed on /metrics. */
export function createBrokerMetrics() {
  const registry = new Registry();
  // The process metrics keep prom-client's standard names (process_cpu_seconds_total,
  // nodejs_heap_size_total_bytes, …), so stock Node.js dashboards and alerts work unchanged.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // PUBLISHes are counted on the hot path in plain numbers, handed to prom-client when the
  // registry is read: its `inc` with labels hashes and validates them on every call.
  const publishesByQos = [0, 0, 0];
  return {
    registry,
    connections: new Gauge({
      name: 'twinwire_broker_connections',
      help: 'Open MQTT connections by transport',
      labelNames: ['protocol'] as const,
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'twinwire_broker_connections_refused_total',
      help: 'Connections closed at accept because MQTT_MAX_CONNECTIONS was reached',
      registers,
    }),
    authFailures: new Counter({
      name: 'twinwire_broker_auth_failures_total',
      help: 'CONNECTs refused, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    guardViolations: new Counter({
      name: 'twinwire_broker_protocol_violations_total',
      help: 'Connections closed by the packet guard, by violation',
      labelNames: ['code'] as const,
      registers,
    }),
    publishesReceived: new Counter({
      name: 'twinwire_broker_publishes_received_total',
      help: 'PUBLISH packets from clients, by QoS',
      labelNames: ['qos'] as const,
      registers,
      collect() {
        for (let qos = 0; qos < publishesByQos.length; qos++) {
          const count = publishesByQos[qos] ?? 0;
          if (count === 0) continue;
          publishesByQos[qos] = 0;
          this.inc({ qos }, count);
        }
      },
    }),
    /** Counts one PUBLISH in `publishesReceived`. */
    countPublishReceived(qos: 0 | 1 | 2): void {
      publishesByQos[qos] = (publishesByQos[qos] ?? 0) + 1;
    },
    publishesDenied: new Counter({
      name: 'twinwire_broker_publishes_denied_total',
      help: 'PUBLISH packets acknowledged but dropped because the ACL denies them',
      registers,
    }),
    sharedMembers: new Gauge({
      name: 'twinwire_broker_shared_subscription_members',
      help: 'Members of each shared subscription group connected to this broker',
      labelNames: ['group', 'filter'] as const,
      registers,
    }),
    sharedDelivered: new Counter({
      name: 'twinwire_broker_shared_subscription_delivered_total',
      help: 'Messages this broker delivered to a member of a shared subscription group',
      labelNames: ['group', 'filter'] as const,
      registers,
    }),
    sharedRedelivered: new Counter({
      name: 'twinwire_broker_shared_subscription_redelivered_total',
      help: 'Messages delivered to another member after the first one left or lost its connection unacknowledged',
      labelNames: ['group', 'filter'] as const,
      registers,
    }),
    sharedWithheld: new Counter({
      name: 'twinwire_broker_shared_subscription_withheld_total',
      help: 'Shared subscription messages not delivered because the ACL no longer lets the chosen member receive the topic',
      labelNames: ['group', 'filter'] as const,
      registers,
    }),
    subscriptionsDenied: new Counter({
      name: 'twinwire_broker_subscriptions_denied_total',
      help: 'Subscriptions refused by the ACL (SUBACK 0x80; MQTT 5.0: 0x87)',
      registers,
    }),
    publishesOverRate: new Counter({
      name: 'twinwire_broker_publishes_over_rate_total',
      help: 'MQTT 5.0 PUBLISH packets refused over MQTT_MAX_PUBLISH_RATE (0x97; QoS 0 dropped)',
      registers,
    }),
    topicsTooDeep: new Counter({
      name: 'twinwire_broker_topics_too_deep_total',
      help: 'PUBLISH topics and SUBSCRIBE filters refused for more levels than MQTT_MAX_TOPIC_LEVELS',
      labelNames: ['packet'] as const,
      registers,
    }),
    telemetryInvalid: new Counter({
      name: 'twinwire_broker_telemetry_invalid_total',
      help: 'Telemetry payloads refused by validation, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
    telemetryCommitted: new Counter({
      name: 'twinwire_broker_telemetry_committed_total',
      help: 'Readings committed to PostgreSQL (duplicates included)',
      registers,
    }),
    telemetryQos0Dropped: new Counter({
      name: 'twinwire_broker_telemetry_qos0_dropped_total',
      help: 'QoS 0 readings dropped because the ingest buffer was full',
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'twinwire_broker_telemetry_commit_seconds',
      help: 'Time from a QoS 1/2 telemetry PUBLISH to its commit (and so its acknowledgement)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    disconnectsForRevocation: new Counter({
      name: 'twinwire_broker_revoked_disconnects_total',
      help: 'Connected devices cut off because their credential was revoked or the device deleted',
      registers,
    }),
    retainedWithheld: new Counter({
      name: 'twinwire_broker_retained_withheld_total',
      help: 'Retained messages not sent to a new subscriber because their publisher may no longer publish them',
      registers,
    }),
    devicesPurged: new Counter({
      name: 'twinwire_broker_devices_purged_total',
      help: 'Deleted devices whose session, queued messages and retained messages this broker removed',
      registers,
    }),
    aclReloads: new Counter({
      name: 'twinwire_broker_acl_reloads_total',
      help: 'ACL rule reloads, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    loginsThrottled: new Counter({
      name: 'twinwire_broker_login_throttled_total',
      help: 'CONNECTs refused without verifying their credential because a key they carry is banned, by key kind (address, username, client)',
      labelNames: ['key'] as const,
      registers,
    }),
    loginBans: new Counter({
      name: 'twinwire_broker_login_bans_total',
      help: 'Bans started by repeated failed logins, by key kind (address, username, client)',
      labelNames: ['key'] as const,
      registers,
    }),
    /** Reports the login hash gate's counts and load. */
    watchHashGate(gate: HashGate): void {
      let reported = gate.counts();
      const delta = (key: keyof typeof reported) => gate.counts()[key] - reported[key];
      new Counter({
        name: 'twinwire_broker_login_hashes_total',
        help: 'Secret and password hashes computed to verify logins (SHA-256 or scrypt)',
        registers,
        collect() {
          this.inc(delta('hashed'));
          reported = { ...reported, hashed: gate.counts().hashed };
        },
      });
      new Counter({
        name: 'twinwire_broker_login_hashes_skipped_total',
        help: 'Logins whose hash was never computed: busy (the waiting list was full; CONNACK 3, MQTT 5 0x89) or client_gone (it closed while waiting)',
        labelNames: ['reason'] as const,
        registers,
        collect() {
          const counts = gate.counts();
          this.inc({ reason: 'busy' }, counts.refusedBusy - reported.refusedBusy);
          this.inc({ reason: 'client_gone' }, counts.abandoned - reported.abandoned);
          reported = { ...reported, refusedBusy: counts.refusedBusy, abandoned: counts.abandoned };
        },
      });
      new Gauge({
        name: 'twinwire_broker_login_hashes_running',
        help: 'Password hashes being computed now (LOGIN_HASH_CONCURRENCY bounds it)',
        registers,
        collect() {
          this.set(gate.load().running);
        },
      });
      new Gauge({
        name: 'twinwire_broker_login_hashes_waiting',
        help: 'Logins waiting for a hash slot (LOGIN_HASH_QUEUE bounds it)',
        registers,
        collect() {
          this.set(gate.load().queued);
        },
      });
    },
    /** With REDIS_URL: reports `connected()` as `twinwire_broker_redis_connected` (1 or 0). */
    watchRedis(connected: () => boolean): void {
      new Gauge({
        name: 'twinwire_broker_redis_connected',
        help: '1 while every Redis connection of the cluster is ready, else 0',
        registers,
        collect() {
          this.set(connected() ? 1 : 0);
        },
      });
    },
  };
}
