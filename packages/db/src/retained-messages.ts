import type { Principal } from '@twinwire/acl/rules';
import { matchesFilter } from '@twinwire/acl/topic-filter';
import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { retainedMessages } from './schema.ts';

/** `broker_id` of rows in a retained store every broker shares (Redis persistence). */
export const SHARED_RETAINED_STORE = '';

/**
 * Who published a retained message: a client's principal, or `broker` for what a broker
 * publishes itself (a device's status as it connects and disconnects).
 */
export type PublisherKind = Principal['kind'] | 'broker';

export interface RetainedPublisher {
  kind: PublisherKind;
  id: string;
  role: Principal['role'];
  username?: string | undefined;
  /** The device credential it connected with, if any. */
  credentialId?: string | undefined;
}

export interface RetainedRecord {
  topic: string;
  /** {@link SHARED_RETAINED_STORE} or the broker whose in-memory store holds the message. */
  brokerId: string;
  publisher: RetainedPublisher;
  qos: number;
  payloadBytes: number;
  publishedAt: Date;
}

/** Records (or replaces) the publishers of retained messages, one statement for the batch. */
export async function recordRetained(db: Database, records: readonly RetainedRecord[]) {
  if (records.length === 0) return;
  await db
    .insert(retainedMessages)
    .values(
      records.map(({ topic, brokerId, publisher, qos, payloadBytes, publishedAt }) => ({
        topic,
        brokerId,
        publisherKind: publisher.kind,
        publisherId: publisher.id,
        publisherUsername: publisher.username ?? null,
        publisherRole: publisher.role,
        credentialId: publisher.credentialId ?? null,
        qos,
        payloadBytes,
        publishedAt,
      })),
    )
    .onConflictDoUpdate({
      target: [retainedMessages.topic, retainedMessages.brokerId],
      set: {
        publisherKind: sql`excluded.publisher_kind`,
        publisherId: sql`excluded.publisher_id`,
        publisherUsername: sql`excluded.publisher_username`,
        publisherRole: sql`excluded.publisher_role`,
        credentialId: sql`excluded.credential_id`,
        qos: sql`excluded.qos`,
        payloadBytes: sql`excluded.payload_bytes`,
        publishedAt: sql`excluded.published_at`,
      },
      // Batches from several brokers sharing one store: the newest publish wins.
      setWhere: sql`${retainedMessages.publishedAt} <= excluded.published_at`,
    });
}

/** The retained messages on these topics are gone (cleared, or replaced by the broker's own). */
export async function forgetRetained(db: Database, brokerId: string, topics: readonly string[]) {
  if (topics.length === 0) return;
  await db.execute(sql`
    DELETE FROM ${retainedMessages}
    WHERE broker_id = ${brokerId} AND topic = ANY(${sql.param([...topics])}::text[])`);
}

/** A retained message's publisher as it stands now. */
export interface RetainedPublisherNow {
  topic: string;
  /** With a user's current role (a role change applies to what they published). */
  publisher: RetainedPublisher;
  /**
   * The publisher still exists and may log in: the device exists and its credential is not
   * revoked; the user exists and is not disabled. (Anonymous clients and services always.)
   */
  active: boolean;
}

/**
 * The publishers of the retained messages a subscription to `filter` would receive from
 * `brokerId`'s store, as they stand now. Rows are narrowed in SQL by the filter's literal
 * prefix and matched exactly here.
 */
export async function retainedPublishersUnder(
  db: Database,
  brokerId: string,
  filter: string,
): Promise<RetainedPublisherNow[]> {
  const result = await db.execute<{
    topic: string;
    kind: PublisherKind;
    id: string;
    username: string | null;
    role: Principal['role'];
    active: boolean;
  }>(sql`
    SELECT r.topic, r.publisher_kind AS kind, r.publisher_id AS id,
      r.publisher_username AS username,
      COALESCE(u.role, r.publisher_role) AS role,
      CASE r.publisher_kind
        WHEN 'device' THEN EXISTS (SELECT 1 FROM devices d WHERE d.id = r.publisher_id)
          AND (r.credential_id IS NULL OR EXISTS (
            SELECT 1 FROM device_credentials c WHERE c.id = r.credential_id AND c.revoked_at IS NULL))
        WHEN 'user' THEN r.publisher_id = 'anonymous' OR (u.id IS NOT NULL AND u.disabled_at IS NULL)
        ELSE true
      END AS active
    FROM ${retainedMessages} r
    LEFT JOIN users u ON r.publisher_kind = 'user' AND u.id::text = r.publisher_id
    WHERE r.broker_id = ${brokerId} AND r.topic LIKE ${likePrefix(filter)} ESCAPE '\\'`);
  return result.rows
    .filter((row) => matchesFilter(filter, row.topic))
    .map(({ topic, kind, id, username, role, active }) => ({
      topic,
      publisher: username === null ? { kind, id, role } : { kind, id, role, username },
      active,
    }));
}

/** The topics of the retained messages one principal published, in one store. */
export async function retainedTopicsOf(
  db: Database,
  brokerId: string,
  publisher: { kind: PublisherKind; id: string },
): Promise<string[]> {
  const result = await db.execute<{ topic: string }>(sql`
    SELECT topic FROM ${retainedMessages}
    WHERE broker_id = ${brokerId} AND publisher_kind = ${publisher.kind}
      AND publisher_id = ${publisher.id}`);
  return result.rows.map((row) => row.topic);
}

export interface RetainedListing {
  topic: string;
  brokerId: string;
  publisher: { kind: PublisherKind; id: string; username: string | null };
  qos: number;
  payloadBytes: number;
  publishedAt: Date;
}

/** The retained messages matching `filter`, by topic, `limit` at a time after `after`. */
export async function listRetained(
  db: Database,
  options: { filter: string; limit: number; after?: string | undefined },
): Promise<RetainedListing[]> {
  const { filter, limit, after } = options;
  // Read in pages bigger than asked: rows the prefix lets through may not match the filter.
  const found: RetainedListing[] = [];
  let cursor = after ?? '';
  for (;;) {
    const page = Math.max(limit * 4, 200);
    const result = await db.execute<{
      topic: string;
      broker_id: string;
      publisher_kind: PublisherKind;
      publisher_id: string;
      publisher_username: string | null;
      qos: number;
      payload_bytes: number;
      published_at: string | Date;
    }>(sql`
      SELECT topic, broker_id, publisher_kind, publisher_id, publisher_username, qos,
        payload_bytes, published_at
      FROM ${retainedMessages}
      WHERE topic LIKE ${likePrefix(filter)} ESCAPE '\\' AND topic > ${cursor}
      ORDER BY topic, broker_id
      LIMIT ${page}`);
    for (const row of result.rows) {
      if (!matchesFilter(filter, row.topic)) continue;
      found.push({
        topic: row.topic,
        brokerId: row.broker_id,
        publisher: {
          kind: row.publisher_kind,
          id: row.publisher_id,
          username: row.publisher_username,
        },
        qos: row.qos,
        payloadBytes: row.payload_bytes,
        publishedAt: new Date(row.published_at),
      });
      if (found.length === limit) return found;
    }
    const last = result.rows.at(-1);
    if (result.rows.length < page || !last) return found;
    cursor = last.topic;
  }
}

/** `LIKE` pattern for every topic a filter can match: its literal levels before a wildcard. */
function likePrefix(filter: string): string {
  const levels = filter.split('/');
  const wildcard = levels.findIndex((level) => level === '+' || level === '#');
  const literal = wildcard === -1 ? filter : levels.slice(0, wildcard).join('/');
  const escaped = literal.replace(/[\\%_]/g, (char) => `\\${char}`);
  return wildcard === -1 ? escaped : `${escaped}%`;
}

/** Brokers LISTEN here for an operator's removal of a retained message (JSON `{ topic }`). */
export const RETAINED_ACTIONS_CHANNEL = 'retained_actions';

/** Asks every broker to remove the retained message on `topic` from its store. */
export async function requestRetainedRemoval(db: Database, topic: string): Promise<void> {
  await db.execute(
    sql`SELECT pg_notify(${RETAINED_ACTIONS_CHANNEL}, ${JSON.stringify({ topic })})`,
  );
}

/** The topic a removal request names, or undefined for anything else. */
export function parseRetainedRemoval(payload: string): string | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    const topic = (value as { topic?: unknown } | null)?.topic;
    return typeof topic === 'string' && topic !== '' ? topic : undefined;
  } catch {
    return undefined;
  }
}

/** How many stores still hold a retained message on `topic`. */
export async function retainedCopies(db: Database, topic: string): Promise<number> {
  const result = await db.execute<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM ${retainedMessages} WHERE topic = ${topic}`,
  );
  return result.rows[0]?.n ?? 0;
}
