import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';

const DAY_MS = 86_400_000;
const PARTITION_NAME = /^telemetry_p(\d{4})(\d{2})(\d{2})$/;
export const DEFAULT_PARTITION = 'telemetry_default';

// Two int4 keys, apart from migrate()'s bigint key and the rollup refresh's ("tw", "ro").
const PARTITION_LOCK = sql`29815, 28788`; // "tw", "pt"

/** Serializes, until the transaction ends, every change to telemetry's partitions. */
export async function lockTelemetryPartitions(tx: Pick<Database, 'execute'>): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`);
}

/** The UTC day holding `ms`, as the epoch ms of its midnight. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** `telemetry_pYYYYMMDD`: the partition of the UTC day starting at `day`. */
export function telemetryPartitionName(day: number): string {
  return `telemetry_p${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day (epoch ms of its UTC midnight) of a partition named by `telemetryPartitionName`. */
export function partitionDay(name: string): number | undefined {
  const match = PARTITION_NAME.exec(name);
  if (!match) return undefined;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** The day partitions of telemetry, oldest first (the DEFAULT partition excluded). */
export async function listTelemetryPartitions(
  db: Pick<Database, 'execute'>,
): Promise<{ name: string; day: number }[]> {
  const result = await db.execute<{ name: string }>(sql`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'telemetry'::regclass`);
  return result.rows
    .flatMap(({ name }) => {
      const day = partitionDay(name);
      return day === undefined ? [] : [{ name, day }];
    })
    .sort((a, b) => a.day - b.day);
}

export interface EnsurePartitionsOptions {
  /** Days after today to create as well (today is always created). */
  daysAhead: number;
  /** Epoch ms standing for "now" (tests). */
  now?: number;
  /** How long to wait for a table lock before giving up until the next call, in ms. */
  lockTimeoutMs?: number;
}

/**
 * Creates the missing day partitions from today to today + daysAhead (UTC); resolves with
 * the names it created. Idempotent, and safe under concurrent callers (API instances,
 * brokers): an advisory lock serializes them and each finds the other's partitions.
 *
 * Each day is created beside the table and then ATTACHed, in one transaction per day, rather
 * than `CREATE TABLE … PARTITION OF`: attaching locks the parent only in SHARE UPDATE EXCLUSIVE
 * mode, so the writer and readers never wait on it, and it lets readings of that day already
 * stored in DEFAULT (written while the day had no partition) move into the new partition in
 * the same transaction (ATTACH refuses a range DEFAULT still holds rows of). The move touches
 * the partitions directly, so the rollup triggers on telemetry do not fire: no reading changed.
 */
export async function ensureTelemetryPartitions(
  db: Database,
  options: EnsurePartitionsOptions,
): Promise<string[]> {
  const today = utcDay(options.now ?? Date.now());
  const created: string[] = [];
  for (let offset = 0; offset <= options.daysAhead; offset += 1) {
    const day = today + offset * DAY_MS;
    if (await createDayPartition(db, day, options.lockTimeoutMs ?? 10_000)) {
      created.push(telemetryPartitionName(day));
    }
  }
  return created;
}

async function createDayPartition(db: Database, day: number, lockTimeoutMs: number) {
  const name = telemetryPartitionName(day);
  const partition = sql.identifier(name);
  const from = sql.raw(`'${new Date(day).toISOString()}'`);
  const to = sql.raw(`'${new Date(day + DAY_MS).toISOString()}'`);
  return db.transaction(async (tx) => {
    await lockTelemetryPartitions(tx);
    const existing = await tx.execute<{ found: boolean }>(
      sql`SELECT to_regclass(${name}) IS NOT NULL AS found`,
    );
    if (existing.rows[0]?.found === true) return false;
    await tx.execute(sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`);
    // Taken first, so a reading of this day cannot reach DEFAULT between the move and ATTACH.
    await tx.execute(sql`LOCK TABLE ${sql.identifier(DEFAULT_PARTITION)} IN ACCESS EXCLUSIVE MODE`);
    await tx.execute(sql`CREATE TABLE ${partition} (LIKE telemetry INCLUDING DEFAULTS)`);
    await tx.execute(sql`
      WITH moved AS (
        DELETE FROM ${sql.identifier(DEFAULT_PARTITION)} WHERE ts >= ${from} AND ts < ${to}
        RETURNING device_id, ts, seq, metrics, received_at)
      INSERT INTO ${partition} (device_id, ts, seq, metrics, received_at)
      SELECT device_id, ts, seq, metrics, received_at FROM moved`);
    // Builds the partition's primary key and BRIN index from the parent's.
    await tx.execute(
      sql`ALTER TABLE telemetry ATTACH PARTITION ${partition} FOR VALUES FROM (${from}) TO (${to})`,
    );
    return true;
  });
}
