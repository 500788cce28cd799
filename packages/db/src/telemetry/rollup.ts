import { and, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import {
  telemetry,
  telemetryRollupDirty,
  telemetryRollupLog,
  telemetryRollupMinute,
} from '../schema.ts';
import { instant, numberOf, toEpochMs } from './metric-sql.ts';
import { ROLLUP_LEVELS } from './rollup-levels.ts';

export interface RefreshRollupOptions {
  /** Only this device's minutes; all devices when omitted. */
  deviceId?: string;
  /** Only minutes starting in [from, to), epoch ms. */
  from?: number;
  to?: number;
  /** Minutes recomputed per transaction: bounds how long a writer can wait on a mark. */
  batchMinutes?: number;
  /** Only minutes first marked at least this long ago, so minutes still being written settle first. */
  settleMs?: number;
  /** Stop after this many transactions even if dirty minutes remain. */
  maxBatches?: number;
  /** Checked between transactions. */
  signal?: AbortSignal;
}

export interface RefreshRollupResult {
  /** Minutes recomputed from raw readings. */
  minutes: number;
  batches: number;
  /** Another refresh held the refresh lock, so this one did nothing. */
  busy: boolean;
}

// Two int4 keys: a lock space apart from migrate()'s single bigint key.
const REFRESH_LOCK = sql`29815, 29295`; // "tw", "ro"

/**
 * Moves the log of touched minutes into the dirty set, then recomputes dirty minutes from raw
 * readings, in transactions of `batchMinutes`, until none
 * (matching the options) is left. One refresh runs at a time per database; a call that finds
 * another running returns `busy` at once rather than waiting, since bucket queries read dirty
 * minutes from raw rows and so stay exact without it.
 */
export async function refreshTelemetryRollup(
  db: Database,
  options: RefreshRollupOptions = {},
): Promise<RefreshRollupResult> {
  const batchMinutes = options.batchMinutes ?? 1_000;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let minutes = 0;
  let batches = 0;
  while (batches < maxBatches && !options.signal?.aborted) {
    const claimed = await refreshBatch(db, options, batchMinutes);
    if (claimed === 'busy') return { minutes, batches, busy: true };
    batches += 1;
    minutes += claimed;
    if (claimed < batchMinutes) break;
  }
  return { minutes, batches, busy: false };
}

/**
 * One transaction, under the refresh lock. Its statements must stay separate: under READ
 * COMMITTED each takes a new snapshot, and the recompute must see the readings of every log
 * row the first statement moved, which had committed by then (it could not see them
 * otherwise). Log rows of statements still in progress stay in the log for the next refresh.
 *
 * Range lookups are LATERAL subqueries with OFFSET 0, which keeps the planner from flattening
 * them into a hash join on device_id (every reading of the device against every claimed
 * minute): each stays an index range scan per unit.
 */
async function refreshBatch(
  db: Database,
  options: RefreshRollupOptions,
  limit: number,
): Promise<number | 'busy'> {
  return db.transaction(async (tx) => {
    // Derived data: losing the last refreshes in a crash loses their cleared marks with
    // them (same transaction), so they are simply redone.
    const lock = await tx.execute<{ locked: boolean }>(sql`
      SELECT set_config('synchronous_commit', 'off', true),
             pg_try_advisory_xact_lock(${REFRESH_LOCK}) AS locked`);
    if (lock.rows[0]?.locked !== true) return 'busy';

    await tx.execute(sql`
      WITH logged AS (DELETE FROM ${telemetryRollupLog} RETURNING *)
      INSERT INTO ${telemetryRollupDirty} (device_id, minute, marked_at)
      SELECT pair.device_id, pair.minute, min(logged.logged_at)
      FROM logged CROSS JOIN LATERAL unnest(logged.device_ids, logged.minutes) AS pair(device_id, minute)
      GROUP BY 1, 2
      ON CONFLICT (device_id, minute) DO NOTHING`);
    const claimed = await tx.execute<{ device_id: string; minute: string }>(sql`
      DELETE FROM ${telemetryRollupDirty} d
      USING (SELECT device_id, minute FROM ${telemetryRollupDirty}
             WHERE ${claimFilter(options)}
             ORDER BY device_id, minute
             LIMIT ${limit}) c
      WHERE d.device_id = c.device_id AND d.minute = c.minute
      RETURNING d.device_id, ${toEpochMs(sql`d.minute`)} AS minute`);
    if (claimed.rows.length === 0) return 0;

    const minutes = sql`(SELECT c.device_id, timestamptz 'epoch' + c.ms * interval '1 millisecond' AS minute
      FROM unnest(${sql.param(claimed.rows.map((row) => row.device_id))}::text[],
                  ${sql.param(claimed.rows.map((row) => row.minute))}::int8[]) AS c(device_id, ms))`;
    await tx.execute(sql`
      DELETE FROM ${telemetryRollupMinute} r USING ${minutes} c
      WHERE r.device_id = c.device_id AND r.bucket_start = c.minute`);
    const num = numberOf(sql`m.value`);
    await tx.execute(sql`
      INSERT INTO ${telemetryRollupMinute}
        (device_id, bucket_start, metric, count, num_count, num_sum, num_min, num_max, last_value)
      SELECT c.device_id, c.minute, m.key, count(*), count(${num}), sum((${num})::numeric),
             min((${num})::float8), max((${num})::float8),
             (array_agg(m.value ORDER BY t.ts DESC, t.seq DESC))[1]
      FROM ${minutes} c
      CROSS JOIN LATERAL (SELECT ts, seq, metrics FROM ${telemetry}
        WHERE device_id = c.device_id AND ts >= c.minute AND ts < c.minute + interval '1 minute'
        OFFSET 0) t
      CROSS JOIN LATERAL jsonb_each(t.metrics) m
      GROUP BY c.device_id, c.minute, m.key`);

    // Coarser levels are rebuilt from the level below, unit by unit; with one refresh at a
    // time (the lock above) every row they read is committed or this transaction's own.
    for (const [index, level] of ROLLUP_LEVELS.entries()) {
      const below = ROLLUP_LEVELS[index - 1];
      if (!below) continue;
      const units = sql`(SELECT DISTINCT device_id,
          date_bin(${level.interval}::interval, minute, timestamptz 'epoch') AS unit
        FROM ${minutes} c)`;
      await tx.execute(sql`
        DELETE FROM ${level.table} r USING ${units} u
        WHERE r.device_id = u.device_id AND r.bucket_start = u.unit`);
      await tx.execute(sql`
        INSERT INTO ${level.table}
          (device_id, bucket_start, metric, count, num_count, num_sum, num_min, num_max, last_value)
        SELECT u.device_id, u.unit, r.metric, sum(r.count), sum(r.num_count), sum(r.num_sum),
               min(r.num_min), max(r.num_max),
               (array_agg(r.last_value ORDER BY r.bucket_start DESC))[1]
        FROM ${units} u
        CROSS JOIN LATERAL (SELECT * FROM ${below.table}
          WHERE device_id = u.device_id
            AND bucket_start >= u.unit AND bucket_start < u.unit + ${level.interval}::interval
          OFFSET 0) r
        GROUP BY u.device_id, u.unit, r.metric`);
    }
    return claimed.rows.length;
  });
}

function claimFilter(options: RefreshRollupOptions): SQL {
  return (
    and(
      sql`true`,
      options.deviceId === undefined ? undefined : sql`device_id = ${options.deviceId}`,
      options.from === undefined ? undefined : sql`minute >= ${instant(options.from)}`,
      options.to === undefined ? undefined : sql`minute < ${instant(options.to)}`,
      options.settleMs
        ? sql`marked_at <= now() - ${options.settleMs}::int8 * interval '1 millisecond'`
        : undefined,
    ) ?? sql`true`
  );
}
