import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { mqttBrokers, mqttClients, retainedMessages, type MqttSubscriptionRow } from './schema.ts';

/** A broker whose heartbeat is older than this many of its intervals has stopped. */
export const STALE_AFTER_INTERVALS = 3;
/** After this many intervals a stopped broker's rows are collected by the live brokers. */
export const COLLECT_AFTER_INTERVALS = 30;
/** Rows per statement: a connect storm costs one statement per this many clients. */
const ROWS_PER_STATEMENT = 1_000;
/** The channel every broker LISTENs on for operator actions on its clients. */
export const CLIENT_ACTIONS_CHANNEL = 'mqtt_client_actions';

/** One client's row as its broker writes it; times in epoch ms. */
export interface ClientRow {
  clientId: string;
  brokerId: string;
  principalKind: 'device' | 'user' | 'service';
  principalId: string;
  principalUsername: string | null;
  principalRole: string;
  protocol: string;
  protocolVersion: number;
  remoteAddress: string | null;
  keepaliveS: number;
  cleanSession: boolean;
  sessionExpiryS: number | null;
  connected: boolean;
  connectedAt: number;
  disconnectedAt: number | null;
  subscriptions: MqttSubscriptionRow[];
  subscriptionCount: number;
  inflight: number | null;
  queued: number | null;
}

/** A row to delete: only if it still stands for this connection or an older one. */
export interface ClientRemoval {
  clientId: string;
  connectedAt: number;
}

export type ClientAction =
  | { action: 'disconnect'; clientId: string; brokerId: string; connectedAt: number }
  | { action: 'clear-session'; clientId: string; brokerId: string; connectedAt: number };

const epochMs = (column: string) =>
  sql.raw(`timestamptz 'epoch' + ${column} * interval '1 millisecond'`);

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT)
    out.push(items.slice(start, start + ROWS_PER_STATEMENT));
  return out;
}

/**
 * Writes client rows, a statement per {@link ROWS_PER_STATEMENT}. A row never replaces one of
 * a newer connection (`connected_at`): when a client moves to another broker, the old
 * broker's late "offline" write loses to the new broker's "connected" one.
 */
export async function upsertClients(db: Database, rows: readonly ClientRow[]): Promise<void> {
  for (const batch of chunks(rows)) {
    const payload = JSON.stringify(batch);
    await db.execute(sql`
      INSERT INTO ${mqttClients} (client_id, broker_id, principal_kind, principal_id,
        principal_username, principal_role, protocol, protocol_version, remote_address,
        keepalive_s, clean_session, session_expiry_s, connected, connected_at, disconnected_at,
        subscriptions, subscription_count, inflight, queued, updated_at)
      SELECT r."clientId", r."brokerId", r."principalKind", r."principalId",
        r."principalUsername", r."principalRole", r.protocol, r."protocolVersion",
        r."remoteAddress", r."keepaliveS", r."cleanSession", r."sessionExpiryS", r.connected,
        ${epochMs('r."connectedAt"')},
        CASE WHEN r."disconnectedAt" IS NULL THEN NULL ELSE ${epochMs('r."disconnectedAt"')} END,
        r.subscriptions, r."subscriptionCount", r.inflight, r.queued, now()
      FROM jsonb_to_recordset(${payload}::jsonb) AS r("clientId" text, "brokerId" text,
        "principalKind" text, "principalId" text, "principalUsername" text,
        "principalRole" text, protocol text, "protocolVersion" int2, "remoteAddress" text,
        "keepaliveS" int4, "cleanSession" bool, "sessionExpiryS" int4, connected bool,
        "connectedAt" int8, "disconnectedAt" int8, subscriptions jsonb,
        "subscriptionCount" int4, inflight int4, queued int4)
      ON CONFLICT (client_id) DO UPDATE SET
        broker_id = EXCLUDED.broker_id, principal_kind = EXCLUDED.principal_kind,
        principal_id = EXCLUDED.principal_id, principal_username = EXCLUDED.principal_username,
        principal_role = EXCLUDED.principal_role, protocol = EXCLUDED.protocol,
        protocol_version = EXCLUDED.protocol_version, remote_address = EXCLUDED.remote_address,
        keepalive_s = EXCLUDED.keepalive_s, clean_session = EXCLUDED.clean_session,
        session_expiry_s = EXCLUDED.session_expiry_s, connected = EXCLUDED.connected,
        connected_at = EXCLUDED.connected_at, disconnected_at = EXCLUDED.disconnected_at,
        subscriptions = EXCLUDED.subscriptions, subscription_count = EXCLUDED.subscription_count,
        inflight = EXCLUDED.inflight, queued = EXCLUDED.queued, updated_at = now()
      WHERE ${mqttClients.connectedAt} <= EXCLUDED.connected_at`);
  }
}

/** Deletes rows that still stand for the given connection (or an older one). */
export async function removeClients(
  db: Database,
  removals: readonly ClientRemoval[],
): Promise<void> {
  for (const batch of chunks(removals)) {
    const payload = JSON.stringify(batch);
    await db.execute(sql`
      DELETE FROM ${mqttClients} c
      USING jsonb_to_recordset(${payload}::jsonb) AS r("clientId" text, "connectedAt" int8)
      WHERE c.client_id = r."clientId" AND c.connected_at <= ${epochMs('r."connectedAt"')}`);
  }
}

/** Says this broker is alive (the database's clock, so brokers' clocks need not agree). */
export async function heartbeatBroker(
  db: Database,
  broker: { brokerId: string; startedAt: number; intervalMs: number; sharedSessions: boolean },
): Promise<void> {
  await db
    .insert(mqttBrokers)
    .values({
      brokerId: broker.brokerId,
      startedAt: new Date(broker.startedAt),
      heartbeatAt: sql`now()`,
      heartbeatIntervalMs: broker.intervalMs,
      sharedSessions: broker.sharedSessions,
    })
    .onConflictDoUpdate({
      target: mqttBrokers.brokerId,
      set: {
        startedAt: new Date(broker.startedAt),
        heartbeatAt: sql`now()`,
        heartbeatIntervalMs: broker.intervalMs,
        sharedSessions: broker.sharedSessions,
      },
    });
}

/**
 * The rows of a broker that is gone, made true: its connected clients were cut off with it,
 * so a clean session is over and a persistent one is offline, and where sessions lived in the
 * broker's memory (no shared persistence) they died too. `where` picks the brokers.
 */
async function settleRowsOf(db: Database, where: ReturnType<typeof sql>): Promise<void> {
  await db.execute(sql`
    DELETE FROM ${mqttClients} c USING ${mqttBrokers} b
    WHERE c.broker_id = b.broker_id AND (${where})
      AND (NOT b.shared_sessions OR c.clean_session OR c.session_expiry_s = 0)`);
  await db.execute(sql`
    UPDATE ${mqttClients} c SET connected = false, inflight = 0,
      queued = COALESCE(c.queued, 0) + COALESCE(c.inflight, 0),
      disconnected_at = LEAST(b.heartbeat_at, now()), updated_at = now()
    FROM ${mqttBrokers} b
    WHERE c.broker_id = b.broker_id AND (${where}) AND c.connected`);
}

/** At start, before accepting clients: whatever rows carry our id are a previous run's. */
export async function settlePreviousRun(db: Database, brokerId: string): Promise<void> {
  await settleRowsOf(db, sql`b.broker_id = ${brokerId}`);
  await forgetRetainedOf(db, brokerId);
}

/** A broker's own (in-memory) retained messages do not outlive its process. */
async function forgetRetainedOf(db: Database, brokerId: string): Promise<void> {
  await db.execute(sql`DELETE FROM ${retainedMessages} WHERE broker_id = ${brokerId}`);
}

/**
 * A broker shutting down cleanly, once its clients are gone: its rows are settled as for a
 * stopped broker, and the broker is forgotten unless shared offline sessions still name it.
 */
export async function retireBroker(db: Database, brokerId: string): Promise<void> {
  await db
    .update(mqttBrokers)
    .set({ heartbeatAt: sql`now()` })
    .where(sql`${mqttBrokers.brokerId} = ${brokerId}`);
  await settleRowsOf(db, sql`b.broker_id = ${brokerId}`);
  await forgetRetainedOf(db, brokerId);
  await db.execute(sql`
    DELETE FROM ${mqttBrokers} b WHERE b.broker_id = ${brokerId}
      AND NOT EXISTS (SELECT 1 FROM ${mqttClients} c WHERE c.broker_id = b.broker_id)`);
}

/**
 * Housekeeping on every live broker: settles the rows of brokers stopped for
 * {@link COLLECT_AFTER_INTERVALS} intervals (until then the API shows them as stale), forgets
 * such brokers once no row names them, and drops offline sessions whose MQTT 5 expiry passed.
 */
export async function collectStoppedBrokers(db: Database): Promise<void> {
  const stopped = sql`b.heartbeat_at < now() - b.heartbeat_interval_ms * ${COLLECT_AFTER_INTERVALS} * interval '1 millisecond'`;
  await settleRowsOf(db, stopped);
  await db.execute(sql`
    DELETE FROM ${mqttBrokers} b WHERE ${stopped}
      AND NOT EXISTS (SELECT 1 FROM ${mqttClients} c WHERE c.broker_id = b.broker_id)`);
  // A stopped broker's in-memory retained messages went with it.
  await db.execute(sql`
    DELETE FROM ${retainedMessages} r WHERE r.broker_id <> ''
      AND NOT EXISTS (SELECT 1 FROM ${mqttBrokers} b WHERE b.broker_id = r.broker_id AND NOT ${stopped})`);
  await db.execute(sql`
    DELETE FROM ${mqttClients}
    WHERE NOT connected AND session_expiry_s IS NOT NULL
      AND disconnected_at + session_expiry_s * interval '1 second' < now()`);
}

/** Asks the broker holding a client to act on it; every broker LISTENs, the named one acts. */
export async function notifyClientAction(db: Database, action: ClientAction): Promise<void> {
  await db.execute(sql`SELECT pg_notify(${CLIENT_ACTIONS_CHANNEL}, ${JSON.stringify(action)})`);
}

/** The action a notification carries, or undefined for anything else. */
export function parseClientAction(payload: string): ClientAction | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<ClientAction>;
  if (
    (candidate.action === 'disconnect' || candidate.action === 'clear-session') &&
    typeof candidate.clientId === 'string' &&
    typeof candidate.brokerId === 'string' &&
    typeof candidate.connectedAt === 'number'
  )
    return candidate as ClientAction;
  return undefined;
}
