import { and, asc, eq, gt, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { STALE_AFTER_INTERVALS } from './client-registry.ts';
import type { Database } from './client.ts';
import { mqttBrokers, mqttClients, type MqttSubscriptionRow } from './schema.ts';

/**
 * - `connected`: on a broker that is alive;
 * - `offline`: a persistent session without a connection, still held (by a live broker, or
 *   in shared persistence that outlives brokers);
 * - `stale`: its broker stopped reporting, so what the row says is no longer known.
 */
export type ClientState = 'connected' | 'offline' | 'stale';

export interface ClientRecord {
  clientId: string;
  state: ClientState;
  brokerId: string;
  principal: {
    kind: 'device' | 'user' | 'service';
    id: string;
    username: string | null;
    role: string;
  };
  protocol: string;
  protocolVersion: number;
  remoteAddress: string | null;
  keepaliveS: number;
  cleanSession: boolean;
  sessionExpiryS: number | null;
  connectedAt: Date;
  disconnectedAt: Date | null;
  subscriptions: MqttSubscriptionRow[];
  subscriptionCount: number;
  inflight: number | null;
  queued: number | null;
  updatedAt: Date;
}

export interface ClientFilter {
  limit: number;
  /** Only client ids after this one (the previous page's last). */
  after?: string;
  /** Case-insensitive substring of the client id or the principal's id or username. */
  q?: string;
  state?: ClientState;
  brokerId?: string;
  principalKind?: 'device' | 'user' | 'service';
  protocol?: string;
}

// The constant is inlined, not bound: the same expression is grouped by, and PostgreSQL
// matches GROUP BY expressions by their text, parameters included.
const brokerLive = sql<boolean>`coalesce(${mqttBrokers.heartbeatAt} > now() - ${mqttBrokers.heartbeatIntervalMs} * ${sql.raw(String(STALE_AFTER_INTERVALS))} * interval '1 millisecond', false)`;
const stateOf = sql<ClientState>`CASE
  WHEN ${mqttClients.connected} AND ${brokerLive} THEN 'connected'
  WHEN NOT ${mqttClients.connected} AND (${brokerLive} OR coalesce(${mqttBrokers.sharedSessions}, false)) THEN 'offline'
  ELSE 'stale' END`;

/** `text` as a LIKE pattern matching itself literally. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

function conditions(filter: Omit<ClientFilter, 'limit' | 'after'>): SQL[] {
  const where: SQL[] = [];
  if (filter.state !== undefined) where.push(sql`${stateOf} = ${filter.state}`);
  if (filter.brokerId !== undefined) where.push(eq(mqttClients.brokerId, filter.brokerId));
  if (filter.principalKind !== undefined)
    where.push(eq(mqttClients.principalKind, filter.principalKind));
  if (filter.protocol !== undefined) where.push(eq(mqttClients.protocol, filter.protocol));
  if (filter.q !== undefined) {
    const pattern = `%${likeLiteral(filter.q)}%`;
    const match = or(
      ilike(mqttClients.clientId, pattern),
      ilike(mqttClients.principalId, pattern),
      ilike(mqttClients.principalUsername, pattern),
    );
    if (match) where.push(match);
  }
  return where;
}

const columns = {
  clientId: mqttClients.clientId,
  state: stateOf,
  brokerId: mqttClients.brokerId,
  principalKind: mqttClients.principalKind,
  principalId: mqttClients.principalId,
  principalUsername: mqttClients.principalUsername,
  principalRole: mqttClients.principalRole,
  protocol: mqttClients.protocol,
  protocolVersion: mqttClients.protocolVersion,
  remoteAddress: mqttClients.remoteAddress,
  keepaliveS: mqttClients.keepaliveS,
  cleanSession: mqttClients.cleanSession,
  sessionExpiryS: mqttClients.sessionExpiryS,
  connectedAt: mqttClients.connectedAt,
  disconnectedAt: mqttClients.disconnectedAt,
  subscriptions: mqttClients.subscriptions,
  subscriptionCount: mqttClients.subscriptionCount,
  inflight: mqttClients.inflight,
  queued: mqttClients.queued,
  updatedAt: mqttClients.updatedAt,
};

type Row = { [K in keyof typeof columns]: unknown } & {
  clientId: string;
  state: ClientState;
  principalKind: 'device' | 'user' | 'service';
  principalId: string;
  principalUsername: string | null;
  principalRole: string;
};

function record(row: Row): ClientRecord {
  const { principalKind, principalId, principalUsername, principalRole, ...rest } = row;
  return {
    ...(rest as Omit<ClientRecord, 'principal'>),
    principal: {
      kind: principalKind,
      id: principalId,
      username: principalUsername,
      role: principalRole,
    },
  };
}

const fromClients = (db: Database) =>
  db
    .select(columns)
    .from(mqttClients)
    .leftJoin(mqttBrokers, eq(mqttBrokers.brokerId, mqttClients.brokerId));

/** A page of clients in client id order (keyset paging: stable while clients come and go). */
export async function listClients(
  db: Database,
  filter: ClientFilter,
): Promise<{ items: ClientRecord[]; hasMore: boolean }> {
  const where = conditions(filter);
  if (filter.after !== undefined) where.push(gt(mqttClients.clientId, filter.after));
  const rows = await fromClients(db)
    .where(and(...where))
    .orderBy(asc(mqttClients.clientId))
    .limit(filter.limit + 1);
  const hasMore = rows.length > filter.limit;
  return { items: (hasMore ? rows.slice(0, filter.limit) : rows).map(record), hasMore };
}

export async function readClient(
  db: Database,
  clientId: string,
): Promise<ClientRecord | undefined> {
  const [row] = await fromClients(db).where(eq(mqttClients.clientId, clientId));
  return row ? record(row) : undefined;
}

export interface BrokerRecord {
  brokerId: string;
  live: boolean;
  sharedSessions: boolean;
  startedAt: Date;
  heartbeatAt: Date;
  connected: number;
  offline: number;
}

/** Every broker known, live or not, with its client counts. */
export async function listBrokers(db: Database): Promise<BrokerRecord[]> {
  return db
    .select({
      brokerId: mqttBrokers.brokerId,
      live: brokerLive,
      sharedSessions: mqttBrokers.sharedSessions,
      startedAt: mqttBrokers.startedAt,
      heartbeatAt: mqttBrokers.heartbeatAt,
      connected: sql<number>`(count(${mqttClients.clientId}) FILTER (WHERE ${mqttClients.connected}))::int`,
      offline: sql<number>`(count(${mqttClients.clientId}) FILTER (WHERE NOT ${mqttClients.connected}))::int`,
    })
    .from(mqttBrokers)
    .leftJoin(mqttClients, eq(mqttClients.brokerId, mqttBrokers.brokerId))
    .groupBy(mqttBrokers.brokerId)
    .orderBy(asc(mqttBrokers.brokerId));
}

/** How many clients are in each state, for the view's header. */
export async function countClients(db: Database): Promise<Record<ClientState, number>> {
  const rows = await db
    .select({ state: stateOf, n: sql<number>`count(*)::int` })
    .from(mqttClients)
    .leftJoin(mqttBrokers, eq(mqttBrokers.brokerId, mqttClients.brokerId))
    .groupBy(stateOf);
  const counts: Record<ClientState, number> = { connected: 0, offline: 0, stale: 0 };
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}

/** How a device is connected over MQTT right now: its listener and protocol level. */
export interface DeviceMqttConnection {
  deviceId: string;
  /** mqtt, mqtt-tls or mqtt-ws. */
  protocol: string;
  /** The CONNECT protocol level: 3 (3.1), 4 (3.1.1), 5 (5.0). */
  protocolVersion: number;
}

/**
 * The connected MQTT clients of these devices on live brokers (state `connected`), one per
 * device: a device connects with its own id as client id, so it has at most one row.
 */
export async function connectedDeviceClients(
  db: Database,
  deviceIds: readonly string[],
): Promise<Map<string, DeviceMqttConnection>> {
  const connections = new Map<string, DeviceMqttConnection>();
  if (deviceIds.length === 0) return connections;
  const rows = await db
    .select({
      deviceId: mqttClients.principalId,
      protocol: mqttClients.protocol,
      protocolVersion: mqttClients.protocolVersion,
    })
    .from(mqttClients)
    .leftJoin(mqttBrokers, eq(mqttBrokers.brokerId, mqttClients.brokerId))
    .where(
      and(
        eq(mqttClients.principalKind, 'device'),
        inArray(mqttClients.principalId, [...deviceIds]),
        sql`${stateOf} = 'connected'`,
      ),
    )
    .orderBy(asc(mqttClients.connectedAt));
  // Oldest first: were there ever two, the newest connection wins.
  for (const row of rows) connections.set(row.deviceId, row);
  return connections;
}
