import { and, asc, eq, gt, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import { telemetry, telemetryRollup1m } from './schema.ts';
import type { TelemetryRow } from './telemetry-row.ts';

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
    .select({
      deviceId: telemetry.deviceId,
      ts: telemetry.ts,
      seq: telemetry.seq,
      metrics: telemetry.metrics,
    })
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
  const readings = rows.slice(0, limit).map((row) => ({ ...row, ts: row.ts.getTime() }));
  const last = readings.at(-1);
  return {
    readings,
    hasMore,
    nextCursor: hasMore && last ? { ts: last.ts, seq: last.seq } : null,
  };
}

export interface BucketOptions {
  deviceId: string;
  from: number;
  to: number;
  bucketMs: number;
  /** Only these metrics; all when omitted. */
  metrics?: readonly string[];
}

export interface MetricBucket {
  /** Bucket start, epoch ms, aligned to multiples of `bucketMs` since the epoch. */
  bucket: number;
  metric: string;
  /** Readings that carried this metric in the bucket, whatever the value's type. */
  count: number;
  /** Over numeric values only; null when the bucket had none. */
  avg: number | null;
  min: number | null;
  max: number | null;
  /** The latest value in the bucket (by ts, then seq), of any type. */
  last: number | boolean | string;
}

const MINUTE_MS = 60_000;

/**
 * avg/min/max/last/count per metric per time bucket, computed in SQL. Buckets that are whole
 * minutes are combined from `telemetry_rollup_1m` (sum/count/min/max/last merge exactly),
 * with only the partial minutes at the ends of the range read from raw rows; other bucket
 * sizes aggregate raw rows. `source: 'raw'` forces the raw computation (tests, benchmarks).
 */
export async function readTelemetryBuckets(
  db: Database,
  options: BucketOptions & { source?: 'auto' | 'raw' },
): Promise<MetricBucket[]> {
  const useRollup = options.source !== 'raw' && options.bucketMs % MINUTE_MS === 0;
  const result = await db.execute<{
    bucket: string;
    metric: string;
    count: string;
    avg: number | null;
    min: number | null;
    max: number | null;
    last: number | boolean | string;
  }>(useRollup ? rollupBucketsQuery(options) : rawBucketsQuery(options));
  return result.rows.map((row) => ({
    bucket: Number(row.bucket),
    metric: row.metric,
    count: Number(row.count),
    avg: row.avg,
    min: row.min,
    max: row.max,
    last: row.last,
  }));
}

const numericValue = sql`CASE WHEN jsonb_typeof(m.value) = 'number' THEN (m.value)::float8 END`;

function metricFilter(column: SQL, metrics: readonly string[] | undefined): SQL {
  return metrics?.length ? sql`AND ${column} = ANY(${sql.param([...metrics])}::text[])` : sql``;
}

function bucketStart(bucketMs: number, column: SQL): SQL {
  return sql`(extract(epoch FROM date_bin(${bucketMs} * interval '1 millisecond', ${column}, timestamptz 'epoch')) * 1000)::int8`;
}

function rawBucketsQuery(options: BucketOptions): SQL {
  const { deviceId, from, to, bucketMs, metrics } = options;
  return sql`
    SELECT ${bucketStart(bucketMs, sql`t.ts`)} AS bucket,
           m.key AS metric,
           count(*) AS count,
           avg(${numericValue}) AS avg,
           min(${numericValue}) AS min,
           max(${numericValue}) AS max,
           (array_agg(m.value ORDER BY t.ts DESC, t.seq DESC))[1] AS last
    FROM ${telemetry} t CROSS JOIN LATERAL jsonb_each(t.metrics) m
    WHERE t.device_id = ${deviceId}
      AND t.ts >= ${new Date(from)} AND t.ts < ${new Date(to)}
      ${metricFilter(sql`m.key`, metrics)}
    GROUP BY 1, 2
    ORDER BY 1, 2`;
}

/** Whole minutes inside [from, to) from the rollup, the partial minutes at either end raw. */
function rollupBucketsQuery(options: BucketOptions): SQL {
  const { deviceId, from, to, bucketMs, metrics } = options;
  let wholeFrom = Math.ceil(from / MINUTE_MS) * MINUTE_MS;
  let wholeTo = Math.floor(to / MINUTE_MS) * MINUTE_MS;
  if (wholeFrom >= wholeTo) [wholeFrom, wholeTo] = [to, to];
  return sql`
    WITH parts AS (
      SELECT r.bucket_start AS t, r.metric, r.count, r.numeric_count, r.sum, r.min, r.max,
             r.last_ts, r.last_seq, r.last_value
      FROM ${telemetryRollup1m} r
      WHERE r.device_id = ${deviceId}
        AND r.bucket_start >= ${new Date(wholeFrom)} AND r.bucket_start < ${new Date(wholeTo)}
        ${metricFilter(sql`r.metric`, metrics)}
      UNION ALL
      SELECT t.ts, m.key, 1, (n.v IS NOT NULL)::int::int8, coalesce(n.v, 0), n.v, n.v,
             t.ts, t.seq, m.value
      FROM ${telemetry} t
      CROSS JOIN LATERAL jsonb_each(t.metrics) m
      CROSS JOIN LATERAL (SELECT ${numericValue} AS v) n
      WHERE t.device_id = ${deviceId}
        AND ((t.ts >= ${new Date(from)} AND t.ts < ${new Date(wholeFrom)})
          OR (t.ts >= ${new Date(wholeTo)} AND t.ts < ${new Date(to)}))
        ${metricFilter(sql`m.key`, metrics)}
    )
    SELECT ${bucketStart(bucketMs, sql`p.t`)} AS bucket,
           p.metric,
           sum(p.count)::int8 AS count,
           sum(p.sum) / nullif(sum(p.numeric_count), 0) AS avg,
           min(p.min) AS min,
           max(p.max) AS max,
           (array_agg(p.last_value ORDER BY p.last_ts DESC, p.last_seq DESC))[1] AS last
    FROM parts p
    GROUP BY 1, 2
    ORDER BY 1, 2`;
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
    const result = await db.execute(sql`
      DELETE FROM ${telemetry} WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM ${telemetry} WHERE ts < ${new Date(options.before)} LIMIT ${batchRows}))`);
    const deleted = result.rowCount ?? 0;
    total += deleted;
    if (deleted < batchRows) return total;
  }
}
