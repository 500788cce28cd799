import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { deleteTelemetryBefore } from './queries.ts';
import { listTelemetryPartitions, lockTelemetryPartitions, utcDay } from './partitions.ts';
import { ROLLUP_LEVELS } from './rollup-levels.ts';

const DAY_MS = 86_400_000;

export interface ApplyRetentionOptions {
  /** Readings of every UTC day that ends at or before this instant (epoch ms) are removed. */
  before: number;
  /** Rows per DELETE for readings in the DEFAULT partition. */
  batchRows?: number;
  /** Devices per rollup DELETE. */
  batchDevices?: number;
  /** How long a DROP waits for its lock before giving up until the next run, in ms. */
  lockTimeoutMs?: number;
}

export interface RetentionResult {
  /** Day partitions dropped. */
  dropped: string[];
  /** Readings deleted from the DEFAULT partition. */
  deleted: number;
}

/**
 * Retention by whole UTC days: drops every day partition that ends at or before the UTC
 * midnight on or before `before`, deletes (in batches) readings of those days that sit in
 * the DEFAULT partition, and then the rollup rows of those days. A reading is therefore kept
 * at least until `before` passes it and at most one day longer.
 *
 * Dropping a partition fires no trigger, so the rollup rows of dropped days are deleted here,
 * per device by primary-key range, for everything before the cutoff: a run interrupted
 * between the drop and the rollup delete is completed by the next one. Dirty marks of those
 * minutes are left to the refresh, which recomputes them to nothing.
 */
export async function applyTelemetryRetention(
  db: Database,
  options: ApplyRetentionOptions,
): Promise<RetentionResult> {
  const cutoff = utcDay(options.before);
  const dropped: string[] = [];
  for (const partition of await listTelemetryPartitions(db)) {
    if (partition.day + DAY_MS > cutoff) break;
    // DROP locks the parent ACCESS EXCLUSIVE for a moment; lock_timeout keeps writers from
    // queueing behind it while a long query holds the table.
    const existed = await db.transaction(async (tx) => {
      await tx.execute(
        sql`SELECT set_config('lock_timeout', ${`${options.lockTimeoutMs ?? 10_000}ms`}, true)`,
      );
      // Another instance may have dropped it since the listing: the lock makes this check
      // exact, so each dropped day is reported by one instance only.
      await lockTelemetryPartitions(tx);
      const found = await tx.execute<{ found: boolean }>(
        sql`SELECT to_regclass(${partition.name}) IS NOT NULL AS found`,
      );
      await tx.execute(sql`DROP TABLE IF EXISTS ${sql.identifier(partition.name)}`);
      return found.rows[0]?.found === true;
    });
    if (existed) dropped.push(partition.name);
  }
  await deleteRollupBefore(db, cutoff, options.batchDevices ?? 20);
  // After the rollup: these deletes log their minutes like any other (the triggers fire), so
  // the rollup of a reading stored there meanwhile is recomputed, to nothing, by the refresh.
  // Every day partition before the cutoff is gone: partition pruning leaves only DEFAULT.
  const deleted = await deleteTelemetryBefore(db, {
    before: cutoff,
    ...(options.batchRows === undefined ? {} : { batchRows: options.batchRows }),
  });
  return { dropped, deleted };
}

/** Rollup rows of units before `cutoff` (a UTC midnight, so whole units). */
async function deleteRollupBefore(db: Database, cutoff: number, batchDevices: number) {
  const before = new Date(cutoff);
  const coarsest = ROLLUP_LEVELS[ROLLUP_LEVELS.length - 1];
  if (!coarsest) return;
  // The devices with rollup rows, by a loose index scan of the smallest level's primary key
  // (each finer row has its coarser row: the refresh writes them together).
  const devices = await db.execute<{ device_id: string }>(sql`
    WITH RECURSIVE d AS (
      (SELECT device_id FROM ${coarsest.table} ORDER BY device_id LIMIT 1)
      UNION ALL
      SELECT (SELECT device_id FROM ${coarsest.table} WHERE device_id > d.device_id
              ORDER BY device_id LIMIT 1)
      FROM d WHERE d.device_id IS NOT NULL)
    SELECT device_id FROM d WHERE device_id IS NOT NULL`);
  const ids = devices.rows.map((row) => row.device_id);
  for (let start = 0; start < ids.length; start += batchDevices) {
    const batch = sql.param(ids.slice(start, start + batchDevices));
    for (const level of ROLLUP_LEVELS) {
      await db.execute(sql`
        DELETE FROM ${level.table} r USING unnest(${batch}::text[]) AS d(device_id)
        WHERE r.device_id = d.device_id AND r.bucket_start < ${before}`);
    }
  }
}
