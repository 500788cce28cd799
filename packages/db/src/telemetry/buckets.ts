import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { telemetry, telemetryRollupDirty, telemetryRollupLog } from '../schema.ts';
import { planBuckets, type BucketPlan, type Span } from './bucket-plan.ts';
import { ROLLUP_LEVELS } from './rollup-levels.ts';
import { avgOf, instant, numberOf, toEpochMs } from './metric-sql.ts';
import { refreshTelemetryRollup } from './rollup.ts';

export interface BucketOptions {
  deviceId: string;
  from: number;
  to: number;
  bucketMs: number;
  /** Only these metrics; all when omitted. */
  metrics?: readonly string[];
  /**
   * `auto` (default): whole-minute buckets from the rollup, after refreshing this device's
   * dirty minutes in range; `raw`: every reading aggregated (the reference, and the baseline
   * the benchmark compares against).
   */
  source?: 'auto' | 'raw';
}

export interface MetricBucket {
  /** Bucket start, epoch ms, aligned to multiples of `bucketMs` since the epoch. */
  bucket: number;
  metric: string;
  /** Readings that carried this metric in the bucket, whatever the value's type. */
  count: number;
  /** Over numeric values only (their exact sum over their count); null when the bucket had none. */
  avg: number | null;
  min: number | null;
  max: number | null;
  /** The latest value in the bucket (by ts, then seq), of any type. */
  last: number | boolean | string;
}

/**
 * avg/min/max/last/count per metric per time bucket, computed in SQL. Both sources give the
 * same answer to the bit: the query reads, in one snapshot, rollup rows for units with nothing
 * pending and raw readings for everything else (the range's partial minutes, pending
 * minutes), then merges the partial aggregates by bucket.
 */
export async function readTelemetryBuckets(
  db: Database,
  options: BucketOptions,
): Promise<MetricBucket[]> {
  const plan: BucketPlan =
    options.source === 'raw'
      ? { raw: [[options.from, options.to]], levels: [] }
      : planBuckets(options.from, options.to, options.bucketMs);
  const minutes = plan.levels[0]?.span;
  if (minutes) {
    // Leaves the query less to read raw; skipped when another refresh is running.
    await refreshTelemetryRollup(db, {
      deviceId: options.deviceId,
      from: minutes[0],
      to: minutes[1],
    });
  }
  const result = await db.execute<{
    bucket: string;
    metric: string;
    count: string;
    avg: number | null;
    min: number | null;
    max: number | null;
    last: number | boolean | string;
  }>(bucketQuery(options, plan));
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

/** Partial aggregates (at, seq, metric, n, num_n, num_sum, num_min, num_max, last) → buckets. */
function bucketQuery(options: BucketOptions, plan: BucketPlan): SQL {
  const { deviceId, bucketMs, metrics } = options;
  const names = metrics?.length ? sql.param([...metrics]) : undefined;
  const metricIs = (column: SQL) => (names ? sql`AND ${column} = ANY(${names}::text[])` : sql``);
  const num = numberOf(sql`m.value`);
  // LATERAL … OFFSET 0: an index range scan per span, never the device's whole history
  // filtered or hash-joined against the spans.
  const readings = (spanSet: SQL) => sql`
    SELECT t.ts AS at, t.seq, m.key AS metric, 1::int8 AS n, (${num} IS NOT NULL)::int4::int8 AS num_n,
           (${num})::numeric AS num_sum, (${num})::float8 AS num_min, (${num})::float8 AS num_max,
           m.value AS last
    FROM ${spanSet} s
    CROSS JOIN LATERAL (SELECT ts, seq, metrics FROM ${telemetry}
      WHERE device_id = ${deviceId} AND ts >= s.lo AND ts < s.hi OFFSET 0) t
    CROSS JOIN LATERAL jsonb_each(t.metrics) m
    WHERE true ${metricIs(sql`m.key`)}`;
  if (plan.levels.length === 0)
    return aggregate(sql`parts AS (${readings(sql`(${spans(plan.raw)})`)})`, bucketMs);

  // dirty_0: the device's minutes not rolled up yet (dirty, or logged since the last
  // refresh); dirty_k: units of level k holding one. Level k answers its edges
  // and the dirty units of level k+1 from its own rows, except its own dirty units, which
  // level k-1 (or raw readings, for minutes) answers: every instant is read exactly once.
  const dirty = (index: number) => sql.raw(`dirty_${index}`);
  const [firstMinute, endMinute] = plan.levels[0]?.span ?? [0, 0];
  const ctes: SQL[] = [
    sql`dirty_0 AS MATERIALIZED (
      SELECT minute AS unit FROM ${telemetryRollupDirty}
      WHERE device_id = ${deviceId}
        AND minute >= ${instant(firstMinute)} AND minute < ${instant(endMinute)}
      UNION
      SELECT pair.minute FROM ${telemetryRollupLog}
        CROSS JOIN LATERAL unnest(device_ids, minutes) AS pair(device_id, minute)
      WHERE pair.device_id = ${deviceId}
        AND pair.minute >= ${instant(firstMinute)} AND pair.minute < ${instant(endMinute)})`,
  ];
  plan.levels.forEach(({ span }, index) => {
    const level = ROLLUP_LEVELS[index];
    if (index === 0 || !level) return;
    ctes.push(sql`${dirty(index)} AS MATERIALIZED (
      SELECT DISTINCT date_bin(${level.interval}::interval, unit, timestamptz 'epoch') AS unit
      FROM dirty_0 WHERE unit >= ${instant(span[0])} AND unit < ${instant(span[1])})`);
  });
  const unitsOf = (index: number) => {
    const level = ROLLUP_LEVELS[index];
    return index < plan.levels.length && level
      ? sql` UNION ALL SELECT unit, unit + ${level.interval}::interval FROM ${dirty(index)}`
      : sql``;
  };
  const parts = [readings(sql`(${spans(plan.raw)}${unitsOf(0)})`)];
  plan.levels.forEach(({ edges }, index) => {
    const level = ROLLUP_LEVELS[index];
    if (!level) return;
    parts.push(sql`
      SELECT r.bucket_start, 0::int8, r.metric, r.count, r.num_count, r.num_sum, r.num_min,
             r.num_max, r.last_value
      FROM (${spans(edges)}${unitsOf(index + 1)}) s
      CROSS JOIN LATERAL (SELECT * FROM ${level.table}
        WHERE device_id = ${deviceId} AND bucket_start >= s.lo AND bucket_start < s.hi OFFSET 0) r
      WHERE r.bucket_start NOT IN (SELECT unit FROM ${dirty(index)}) ${metricIs(sql`r.metric`)}`);
  });
  ctes.push(sql`parts AS (${sql.join(parts, sql` UNION ALL `)})`);
  return aggregate(sql.join(ctes, sql`, `), bucketMs);
}

/**
 * Merges the parts by bucket. Parts never overlap in time and `at` orders them (a rollup
 * row's `at` is its start, before any later part), so the last value is the one of the
 * greatest (at, seq).
 */
function aggregate(ctes: SQL, bucketMs: number): SQL {
  return sql`
    WITH ${ctes}
    SELECT ${toEpochMs(sql`date_bin(${bucketMs}::int8 * interval '1 millisecond', at, timestamptz 'epoch')`)} AS bucket,
           metric,
           sum(n) AS count,
           ${avgOf(sql`sum(num_sum)`, sql`sum(num_n)`)} AS avg,
           min(num_min) AS min,
           max(num_max) AS max,
           (array_agg(last ORDER BY at DESC, seq DESC))[1] AS last
    FROM parts
    GROUP BY 1, 2
    ORDER BY 1, 2`;
}

/** Spans as a (lo, hi) row set; an empty list is an empty set. */
function spans(list: readonly Span[]): SQL {
  if (list.length === 0)
    return sql`SELECT NULL::timestamptz AS lo, NULL::timestamptz AS hi WHERE false`;
  return sql.join(
    list.map(([lo, hi]) => sql`SELECT ${instant(lo)} AS lo, ${instant(hi)} AS hi`),
    sql` UNION ALL `,
  );
}
