import { and, asc, desc, eq, gt, gte, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { telemetry } from '../schema.ts';
import type { TelemetryRow } from './row.ts';

const readingColumns = {
  deviceId: telemetry.deviceId,
  ts: telemetry.ts,
  seq: telemetry.seq,
  metrics: telemetry.metrics,
};

/** A selected row as the writer takes it: `ts` in epoch milliseconds. */
function toReading(row: {
  deviceId: string;
  ts: Date;
  seq: number;
  metrics: TelemetryRow['metrics'];
}): TelemetryRow {
  return { ...row, ts: row.ts.getTime() };
}

export interface RangeCursor {
  ts: number;
  seq: number;
}

export interface ReadRangeOptions {
  deviceId: string;
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
  limit: number;
  /** Continue after this reading (the `nextCursor` of the previous page). */
  after?: RangeCursor;
}

export interface RangePage {
  readings: TelemetryRow[];
  hasMore: boolean;
  nextCursor: RangeCursor | null;
}

/** One device's readings in [from, to), oldest first, keyset-paged on the primary key. */
export async function readTelemetryRange(
  db: Database,
  options: ReadRangeOptions,
): Promise<RangePage> {
  const { deviceId, from, to, limit, after } = options;
  const rows = await db
    .select(readingColumns)
    .from(telemetry)
    .where(
      and(
        eq(telemetry.deviceId, deviceId),
        gte(telemetry.ts, new Date(from)),
        lt(telemetry.ts, new Date(to)),
        after
          ? or(
              gt(telemetry.ts, new Date(after.ts)),
              and(eq(telemetry.ts, new Date(after.ts)), gt(telemetry.seq, after.seq)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(telemetry.ts), asc(telemetry.seq))
    .limit(limit + 1);

  const hasMore = rows.length > limit;
  const readings = rows.slice(0, limit).map(toReading);
  const last = readings.at(-1);
  return {
    readings,
    hasMore,
    nextCursor: hasMore && last ? { ts: last.ts, seq: last.seq } : null,
  };
}

/**
 * One device's most recent readings (at most `limit`, none older than `since`), oldest
 * first: the primary key (device_id, ts, seq) read backwards.
 */
export async function readRecentTelemetry(
  db: Database,
  options: { deviceId: string; limit: number; since?: number | undefined },
): Promise<TelemetryRow[]> {
  const rows = await db
    .select(readingColumns)
    .from(telemetry)
    .where(
      and(
        eq(telemetry.deviceId, options.deviceId),
        options.since === undefined ? undefined : gte(telemetry.ts, new Date(options.since)),
      ),
    )
    .orderBy(desc(telemetry.ts), desc(telemetry.seq))
    .limit(options.limit);
  return rows.reverse().map(toReading);
}

export interface RetentionOptions {
  /** Delete readings with ts before this instant (epoch ms). */
  before: number;
  /** Rows per DELETE, so a large purge never holds long locks or bloats one transaction. */
  batchRows?: number;
}

/** Deletes old readings in batches; resolves with the number of rows deleted. */
export async function deleteTelemetryBefore(
  db: Database,
  options: RetentionOptions,
): Promise<number> {
  const batchRows = options.batchRows ?? 10_000;
  let total = 0;
  for (;;) {
    // By primary key, not ctid: telemetry is partitioned and a ctid names a row only within
    // one partition. The outer `ts <` prunes the partitions the batch cannot be in.
    const before = new Date(options.before);
    const result = await db.execute(sql`
      DELETE FROM ${telemetry} WHERE ts < ${before} AND (device_id, ts, seq) IN (
        SELECT device_id, ts, seq FROM ${telemetry} WHERE ts < ${before} LIMIT ${batchRows})`);
    const deleted = result.rowCount ?? 0;
    total += deleted;
    if (deleted < batchRows) return total;
  }
}
