import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    online: boolean('online').notNull().default(false),
    lastProtocol: text('last_protocol'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    /** Labels an operator filters by (`?tag=`); see the API's devices schemas for the syntax. */
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    ...timestamps,
  },
  (table) => [
    index('devices_name_idx').on(table.name),
    index('devices_online_idx').on(table.online),
    index('devices_tags_idx').using('gin', table.tags),
  ],
);

export const deviceCredentials = pgTable(
  'device_credentials',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    /**
     * `scrypt$N$r$p$salt$hash` (secrets.ts), prefixed `named:` when the secret starts with
     * this row's id (device-credentials.ts); the secret itself is never stored.
     */
    secretHash: text('secret_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [index('device_credentials_device_idx').on(table.deviceId)],
);

export const userRoles = ['admin', 'operator', 'viewer'] as const;
export type UserRole = (typeof userRoles)[number];

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    role: text('role').$type<UserRole>().notNull(),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [check('users_role_check', sql`${table.role} in ('admin', 'operator', 'viewer')`)],
);

/**
 * A rule names its subject either by role or by one principal (kind + id), never both.
 * Every change fires NOTIFY acl_rules_changed (see the custom migration) so brokers and
 * API instances reload without a restart.
 */
export const aclRules = pgTable(
  'acl_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    effect: text('effect').$type<'allow' | 'deny'>().notNull(),
    action: text('action').$type<'publish' | 'subscribe'>().notNull(),
    topic: text('topic').notNull(),
    role: text('role'),
    principalKind: text('principal_kind').$type<'device' | 'user' | 'service'>(),
    principalId: text('principal_id'),
    description: text('description'),
    ...timestamps,
  },
  (table) => [
    check('acl_rules_effect_check', sql`${table.effect} in ('allow', 'deny')`),
    check('acl_rules_action_check', sql`${table.action} in ('publish', 'subscribe')`),
    check(
      'acl_rules_subject_check',
      sql`(${table.role} is not null and ${table.principalKind} is null and ${table.principalId} is null)
       or (${table.role} is null and ${table.principalKind} in ('device', 'user', 'service') and ${table.principalId} is not null)`,
    ),
  ],
);

/**
 * One row per accepted reading. The primary key (device_id, ts, seq) is both the
 * idempotency key of the delivery guarantee and the index for per-device time ranges.
 * No foreign key to devices: ingest must not pay a lookup per row, and history may
 * outlive a deleted device.
 *
 * Partitioned by RANGE (ts), one partition per UTC day plus a DEFAULT partition, by
 * migration 0010 (drizzle cannot declare partitioning): see telemetry/partitions.ts.
 */
export const telemetry = pgTable(
  'telemetry',
  {
    deviceId: text('device_id').notNull(),
    ts: timestamp('ts', { withTimezone: true, precision: 3 }).notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    metrics: jsonb('metrics').$type<Record<string, number | boolean | string>>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'telemetry_pkey', columns: [table.deviceId, table.ts, table.seq] }),
    // Retention deletes by time across all devices; BRIN stays tiny on append-ordered data.
    index('telemetry_ts_brin').using('brin', table.ts),
  ],
);

/**
 * Pre-aggregated telemetry per device, metric and epoch-aligned bucket, so long-range
 * bucket queries read one row per bucket instead of every reading. Derived data only:
 * rebuilt from `telemetry` by `refreshTelemetryRollup` (telemetry/rollup.ts), never
 * written on the ingest path.
 */
const rollupColumns = () => ({
  deviceId: text('device_id').notNull(),
  bucketStart: timestamp('bucket_start', { withTimezone: true, precision: 3 }).notNull(),
  metric: text('metric').notNull(),
  /** Readings that carried the metric, whatever the value's type. */
  count: bigint('count', { mode: 'number' }).notNull(),
  /** Numeric values among them; `numSum` is exact (numeric), so avg = numSum / numCount. */
  numCount: bigint('num_count', { mode: 'number' }).notNull(),
  numSum: numeric('num_sum'),
  numMin: doublePrecision('num_min'),
  numMax: doublePrecision('num_max'),
  /** The value of the latest reading (by ts, then seq) in the bucket. */
  lastValue: jsonb('last_value').$type<number | boolean | string>().notNull(),
});

export const telemetryRollupMinute = pgTable('telemetry_rollup_1m', rollupColumns(), (table) => [
  primaryKey({
    name: 'telemetry_rollup_1m_pkey',
    columns: [table.deviceId, table.bucketStart, table.metric],
  }),
]);

/** Built from the minute rows of its 5 minutes, in the transaction that refreshes them. */
export const telemetryRollup5Minutes = pgTable('telemetry_rollup_5m', rollupColumns(), (table) => [
  primaryKey({
    name: 'telemetry_rollup_5m_pkey',
    columns: [table.deviceId, table.bucketStart, table.metric],
  }),
]);

/** Built from the 5-minute rows of its hour, in the transaction that refreshes them. */
export const telemetryRollupHour = pgTable('telemetry_rollup_1h', rollupColumns(), (table) => [
  primaryKey({
    name: 'telemetry_rollup_1h_pkey',
    columns: [table.deviceId, table.bucketStart, table.metric],
  }),
]);

/**
 * What each statement on `telemetry` touched: the distinct (device, minute) pairs as two
 * parallel arrays, one row per statement, appended by statement-level triggers
 * (migrations/0005_telemetry_rollup_triggers.sql). Append-only, without index or unique
 * check, so marking costs a writer batch one small insert and never waits; a refresh moves
 * the committed rows into `telemetryRollupDirty`.
 */
export const telemetryRollupLog = pgTable('telemetry_rollup_log', {
  deviceIds: text('device_ids').array().notNull(),
  minutes: timestamp('minutes', { withTimezone: true, precision: 3 }).array().notNull(),
  loggedAt: timestamp('logged_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Minutes whose rollup may be stale, one row each, written only by refreshes (from the log)
 * and cleared by the refresh that recomputes them. Bucket queries read a minute that is here
 * or in the log from raw rows.
 */
export const telemetryRollupDirty = pgTable(
  'telemetry_rollup_dirty',
  {
    deviceId: text('device_id').notNull(),
    minute: timestamp('minute', { withTimezone: true, precision: 3 }).notNull(),
    /** When the minute was first logged since its last refresh. */
    markedAt: timestamp('marked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ name: 'telemetry_rollup_dirty_pkey', columns: [table.deviceId, table.minute] }),
  ],
);

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('refresh_tokens_user_idx').on(table.userId)],
);

// --- MQTT client registry (migration 0007): what the admin's Clients view reads. ---

/**
 * Every broker instance, kept alive by its housekeeping: a row whose heartbeat is older than
 * three intervals belongs to a broker that stopped, and its clients are shown as stale.
 */
export const mqttBrokers = pgTable('mqtt_brokers', {
  brokerId: text('broker_id').primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull(),
  heartbeatIntervalMs: integer('heartbeat_interval_ms').notNull(),
  /** Persistent sessions outlive this broker (Redis persistence): offline ones stay valid. */
  sharedSessions: boolean('shared_sessions').notNull(),
});

export interface MqttSubscriptionRow {
  filter: string;
  qos: number;
}

/** A client's subscriptions kept in its row: enough to read, bounded for clients with thousands. */
export const MAX_LISTED_SUBSCRIPTIONS = 200;

/**
 * One row per MQTT client id across every broker: connected clients and offline persistent
 * sessions. Written in batches by the broker holding the client (apps/broker
 * client-registry.ts); a write never replaces a newer connection's row (`connected_at`).
 */
export const mqttClients = pgTable(
  'mqtt_clients',
  {
    clientId: text('client_id').primaryKey(),
    brokerId: text('broker_id').notNull(),
    principalKind: text('principal_kind').$type<'device' | 'user' | 'service'>().notNull(),
    principalId: text('principal_id').notNull(),
    principalUsername: text('principal_username'),
    principalRole: text('principal_role').notNull(),
    /** mqtt, mqtt-tls or mqtt-ws: the listener. */
    protocol: text('protocol').notNull(),
    /** The CONNECT protocol level: 3 (3.1), 4 (3.1.1), 5 (5.0). */
    protocolVersion: smallint('protocol_version').notNull(),
    remoteAddress: text('remote_address'),
    keepaliveS: integer('keepalive_s').notNull(),
    cleanSession: boolean('clean_session').notNull(),
    /** MQTT 5 session expiry interval; null: the session never expires (3.1.1 persistent). */
    sessionExpiryS: integer('session_expiry_s'),
    connected: boolean('connected').notNull(),
    connectedAt: timestamp('connected_at', { withTimezone: true, precision: 3 }).notNull(),
    disconnectedAt: timestamp('disconnected_at', { withTimezone: true, precision: 3 }),
    /** The first {@link MAX_LISTED_SUBSCRIPTIONS} subscriptions; the count says if there are more. */
    subscriptions: jsonb('subscriptions').$type<MqttSubscriptionRow[]>().notNull().default([]),
    subscriptionCount: integer('subscription_count').notNull().default(0),
    /** QoS 1/2 messages sent and not yet acknowledged; null where the broker keeps no count. */
    inflight: integer('inflight'),
    /** Messages waiting in the session's queue; null where the broker keeps no count. */
    queued: integer('queued'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('mqtt_clients_broker_idx').on(table.brokerId),
    index('mqtt_clients_principal_idx').on(table.principalKind, table.principalId),
  ],
);

// --- Retained messages' publishers (migration 0008): revocation and the admin's Retained view. ---

/**
 * Who published each retained message a broker holds, with its size and age. A broker
 * delivers a retained message to a new subscriber only while its publisher may still
 * publish it (Mosquitto's `check_retain_source`), and a deleted device's retained messages
 * are found here to be removed. `brokerId` is null when the retained store is shared (Redis);
 * otherwise the row belongs to that broker's in-memory store. Messages the broker publishes
 * itself (a device's status on connect and disconnect) are the broker's word, always delivered.
 */
export const retainedMessages = pgTable(
  'retained_messages',
  {
    topic: text('topic').notNull(),
    /** '' for a retained store shared by every broker (Redis), else the broker holding it. */
    brokerId: text('broker_id').notNull().default(''),
    /** A client's principal kind, or 'broker' for the broker's own (a device's status). */
    publisherKind: text('publisher_kind')
      .$type<'device' | 'user' | 'service' | 'broker'>()
      .notNull(),
    publisherId: text('publisher_id').notNull(),
    publisherUsername: text('publisher_username'),
    /** The role the publisher had; the check reads a user's current role from `users`. */
    publisherRole: text('publisher_role').notNull(),
    /** A device's credential it published with: revoking that credential withholds the message. */
    credentialId: uuid('credential_id'),
    qos: smallint('qos').notNull(),
    payloadBytes: integer('payload_bytes').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.topic, table.brokerId] }),
    index('retained_messages_publisher_idx').on(table.publisherKind, table.publisherId),
  ],
);

export const alarmSeverities = ['info', 'warning', 'critical'] as const;
export type AlarmSeverity = (typeof alarmSeverities)[number];
export const alarmStates = ['raised', 'acknowledged', 'cleared'] as const;
export type AlarmState = (typeof alarmStates)[number];

/**
 * A rule on telemetry (issue #18): which devices (one, those with a tag, or all), which
 * metric, the condition (packages/schemas alarms.ts: a comparison, a range, or no reading for
 * N seconds), how long it must hold before an alarm is raised and how long it must stop
 * holding before the alarm clears (hysteresis).
 */
export const alarmRules = pgTable(
  'alarm_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    deviceId: text('device_id').references(() => devices.id, { onDelete: 'cascade' }),
    tag: text('tag'),
    metric: text('metric'),
    condition: jsonb('condition').$type<Record<string, unknown>>().notNull(),
    raiseAfterS: integer('raise_after_s').notNull().default(0),
    clearAfterS: integer('clear_after_s').notNull().default(0),
    severity: text('severity').$type<AlarmSeverity>().notNull(),
    message: text('message').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    ...timestamps,
  },
  (table) => [
    check('alarm_rules_severity_check', sql`${table.severity} in ('info', 'warning', 'critical')`),
    check('alarm_rules_scope_check', sql`${table.deviceId} is null or ${table.tag} is null`),
    check('alarm_rules_hold_check', sql`${table.raiseAfterS} >= 0 and ${table.clearAfterS} >= 0`),
  ],
);

/**
 * Whether a rule's condition holds for a device and since when: the evaluator writes it
 * only when that flips, so a restart knows how long a condition has held.
 */
export const alarmRuleStates = pgTable(
  'alarm_rule_states',
  {
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => alarmRules.id, { onDelete: 'cascade' }),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    holding: boolean('holding').notNull(),
    since: timestamp('since', { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.ruleId, table.deviceId] })],
);

/**
 * Raised → acknowledged → cleared. At most one open (not cleared) alarm per rule and device,
 * enforced by `alarms_open_idx`, so concurrent evaluators raise it once. Rows stay as history;
 * a deleted rule leaves its alarms with `rule_id` null and their own copy of name and severity.
 */
export const alarms = pgTable(
  'alarms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ruleId: uuid('rule_id').references(() => alarmRules.id, { onDelete: 'set null' }),
    ruleName: text('rule_name').notNull(),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    severity: text('severity').$type<AlarmSeverity>().notNull(),
    state: text('state').$type<AlarmState>().notNull().default('raised'),
    message: text('message').notNull(),
    value: jsonb('value').$type<number | boolean | string | null>(),
    raisedAt: timestamp('raised_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true, precision: 3 }),
    acknowledgedBy: text('acknowledged_by'),
    clearedAt: timestamp('cleared_at', { withTimezone: true, precision: 3 }),
    clearedBy: text('cleared_by'),
  },
  (table) => [
    check('alarms_state_check', sql`${table.state} in ('raised', 'acknowledged', 'cleared')`),
    uniqueIndex('alarms_open_idx')
      .on(table.ruleId, table.deviceId)
      .where(sql`${table.clearedAt} is null`),
    index('alarms_raised_idx').on(table.raisedAt, table.id),
    index('alarms_device_idx').on(table.deviceId, table.raisedAt),
  ],
);

export const webhookEventTypes = [
  'alarm.raised',
  'alarm.acknowledged',
  'alarm.cleared',
  'device.online',
  'device.offline',
  'telemetry',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** Where events are POSTed; `secret` signs each body (it must be kept to sign, not hashed). */
export const webhookDestinations = pgTable('webhook_destinations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  url: text('url').notNull(),
  events: text('events').array().$type<WebhookEventType[]>().notNull(),
  secret: text('secret').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  ...timestamps,
});

/**
 * The transactional outbox: one row per event and destination, written in the transaction
 * that made the event happen. `pending` rows are delivered in id order per destination and
 * device; `dead` ones gave up after the configured attempts and wait for a re-send.
 */
export const webhookOutbox = pgTable(
  'webhook_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    destinationId: uuid('destination_id')
      .notNull()
      .references(() => webhookDestinations.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').$type<WebhookEventType>().notNull(),
    /** Events are delivered in order per destination and device. */
    deviceId: text('device_id').notNull(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'dead'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    check('webhook_outbox_status_check', sql`${table.status} in ('pending', 'delivered', 'dead')`),
    // The worker walks pending rows in id order and checks each has no older pending row of
    // its destination and device: both by index, however many rows were delivered before.
    index('webhook_outbox_pending_idx')
      .on(table.id)
      .where(sql`${table.status} = 'pending'`),
    index('webhook_outbox_order_idx')
      .on(table.destinationId, table.deviceId, table.id)
      .where(sql`${table.status} = 'pending'`),
    index('webhook_outbox_dead_idx')
      .on(table.id)
      .where(sql`${table.status} = 'dead'`),
  ],
);

/** Every delivery attempt: its HTTP status or the network error, and how long it took. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    outboxId: bigint('outbox_id', { mode: 'number' })
      .notNull()
      .references(() => webhookOutbox.id, { onDelete: 'cascade' }),
    destinationId: uuid('destination_id')
      .notNull()
      .references(() => webhookDestinations.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
  },
  (table) => [index('webhook_deliveries_destination_idx').on(table.destinationId, table.id)],
);
