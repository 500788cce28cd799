import { Aedes } from 'aedes';
import type { ClusterBackends } from './cluster.ts';
import type { BrokerConfig } from './config.ts';

/** aedes with the broker's limits, and with Redis behind it when the broker is clustered. */
export function createAedes(config: BrokerConfig, cluster: ClusterBackends | undefined) {
  return Aedes.createBroker({
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
}

/** Resolves once aedes has closed: its clients are disconnected. */
export function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise((resolve) => {
    aedes.close(() => {
      resolve();
    });
  });
}
