import { Type, type Static } from 'typebox';
import { Env } from '@twinwire/config/env-types';
import { loginProtectionEnv } from '@twinwire/config/login-env';
import { readEnv } from '@twinwire/config/read-env';

export const BrokerEnv = Type.Object({
  MQTT_HOST: Env.string({
    default: '0.0.0.0',
    description: 'address every MQTT listener binds to',
  }),
  MQTT_PORT: Env.port(1883, 'MQTT over TCP'),
  MQTT_WS_PORT: Env.port(8083, 'MQTT over WebSocket, path /mqtt'),
  MQTT_TLS_PORT: Env.port(8883, 'MQTT over TLS; only opened when TLS_CERT and TLS_KEY are set'),
  TLS_CERT: Env.optional(
    Env.string({ minLength: 1, description: 'PEM certificate file for MQTT over TLS' }),
  ),
  TLS_KEY: Env.optional(
    Env.string({ minLength: 1, description: 'PEM private key file for MQTT over TLS' }),
  ),
  TLS_CA: Env.optional(
    Env.string({
      minLength: 1,
      description: 'PEM CA bundle that signs device client certificates',
    }),
  ),
  TLS_REQUIRE_CLIENT_CERT: Env.boolean(
    false,
    'require a client certificate signed by TLS_CA; its CN names the device',
  ),
  BROKER_HTTP_PORT: Env.port(9464, 'health (/healthz, /readyz) and Prometheus /metrics'),
  BROKER_ID: Env.optional(
    Env.string({ minLength: 1, description: 'this instance’s id in a cluster' }),
  ),
  DATABASE_URL: Env.optional(
    Env.url(['postgres', 'postgresql'], 'PostgreSQL; unset: embedded PostgreSQL under .data/'),
  ),
  TWINWIRE_DATA_DIR: Env.optional(
    Env.string({ minLength: 1, description: 'embedded PostgreSQL data directory' }),
  ),
  REDIS_URL: Env.optional(
    Env.url(['redis', 'rediss'], 'Redis for clustering; unset: single instance'),
  ),
  SERVICE_SECRET: Env.optional(
    Env.string({
      minLength: 16,
      description: 'password of the API’s service principal (username "service")',
    }),
  ),
  ALLOW_ANONYMOUS: Env.boolean(false, 'accept clients without credentials (role viewer)'),
  MQTT_MAX_PACKET_BYTES: Env.integer({
    default: 256 * 1024,
    minimum: 1024,
    maximum: 268_435_455,
    description: 'largest MQTT packet accepted after CONNECT',
  }),
  MQTT_MAX_CONNECT_BYTES: Env.integer({
    default: 8 * 1024,
    minimum: 256,
    maximum: 65_536,
    description: 'largest packet accepted before a client is authenticated',
  }),
  MQTT_CONNECT_TIMEOUT_MS: Env.integer({
    default: 10_000,
    minimum: 100,
    description: 'an idle socket must send CONNECT within this time',
  }),
  MQTT_MAX_KEEPALIVE_S: Env.integer({
    default: 1_200,
    minimum: 0,
    maximum: 65_535,
    description:
      'largest keepalive a client may ask for (0: no limit); MQTT 3.1.1 over it, or 0, is refused with CONNACK 2, MQTT 5.0 is told this as Server Keep Alive',
  }),
  MQTT_MAX_CONNECTIONS: Env.integer({
    default: 50_000,
    minimum: 1,
    description: 'connections accepted at once across all listeners',
  }),
  MQTT_MAX_PUBLISH_RATE: Env.integer({
    default: 1_000,
    minimum: 0,
    description:
      'PUBLISH packets per second per connection (0: no limit): MQTT 3.1.1 reads are slowed past it, MQTT 5.0 publishes refused with 0x97',
  }),
  MQTT_MAX_TOPIC_LEVELS: Env.integer({
    default: 100,
    minimum: 1,
    maximum: 100,
    description:
      'levels a topic or filter may have; deeper PUBLISHes are refused (0x90), SUBSCRIBEs answered 0x80 (0x8F)',
  }),
  MQTT_MAX_INFLIGHT_QOS2: Env.integer({
    default: 100,
    minimum: 1,
    description:
      'inbound QoS 2 messages a client may hold awaiting PUBREL; past it, the earlier ones are answered and the connection closed',
  }),
  MQTT_RECEIVE_MAXIMUM: Env.integer({
    default: 100,
    minimum: 1,
    maximum: 65_535,
    description:
      'MQTT 5.0 Receive Maximum: unacknowledged QoS 1 and 2 messages a client may send, told in CONNACK; past it, DISCONNECT 0x93',
  }),
  MQTT_TOPIC_ALIAS_MAXIMUM: Env.integer({
    default: 10,
    minimum: 0,
    maximum: 65_535,
    description: 'MQTT 5.0 topic aliases a client may use toward the broker (0: none)',
  }),
  MQTT_DRAIN_TIMEOUT_MS: Env.integer({
    default: 10_000,
    minimum: 100,
    description: 'a subscriber whose socket stays full this long is disconnected',
  }),
  SHARED_SUBSCRIPTION_STRATEGY: Type.Union([Type.Literal('round-robin'), Type.Literal('sticky')], {
    default: 'round-robin',
    description:
      'which member of a $share/{group}/{filter} group gets each message: round-robin, or sticky (every message of one publisher to the same member while it stays)',
  }),
  QOS0_BUFFER_ROWS: Env.integer({
    default: 20_000,
    minimum: 100,
    description: 'QoS 0 readings buffered for the database before new ones are dropped',
  }),
  ...loginProtectionEnv,
  LOG_LEVEL: Env.logLevel(),
});

export type BrokerConfig = Static<typeof BrokerEnv>;

/** The only place the broker reads its environment. */
export function readBrokerConfig(env: NodeJS.ProcessEnv = process.env): BrokerConfig {
  return readEnv(BrokerEnv, env);
}

/**
 * Environment for a broker whose listeners all take free ports on loopback: what tests and
 * benchmarks start, in-process or as a child. `overrides` win.
 */
export function loopbackBrokerEnv(
  serviceSecret: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    MQTT_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_TLS_PORT: '0',
    BROKER_HTTP_PORT: '0',
    SERVICE_SECRET: serviceSecret,
    LOG_LEVEL: 'silent',
    // Every test and bench client comes from 127.0.0.1 and many fail on purpose: the failed-
    // login throttle would ban the address. Tests of the throttle turn it on.
    LOGIN_THROTTLE: 'false',
    ...overrides,
  };
}
