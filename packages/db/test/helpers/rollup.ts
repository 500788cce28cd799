import type pg from 'pg';
import { expect } from 'vitest';

/** A small seeded PRNG (mulberry32), so a failing random case can be replayed by its seed. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  };
}

/** Every rollup row computed again from raw readings, independently of telemetry/rollup.ts. */
const FROM_RAW = (width: string) => `
  SELECT t.device_id, date_bin('${width}', t.ts, timestamptz 'epoch') AS bucket_start, m.key AS metric,
         count(*)::int8 AS count,
         count(*) FILTER (WHERE jsonb_typeof(m.value) = 'number')::int8 AS num_count,
         sum((m.value)::numeric) FILTER (WHERE jsonb_typeof(m.value) = 'number') AS num_sum,
         min((m.value)::float8) FILTER (WHERE jsonb_typeof(m.value) = 'number') AS num_min,
         max((m.value)::float8) FILTER (WHERE jsonb_typeof(m.value) = 'number') AS num_max,
         (array_agg(m.value ORDER BY t.ts DESC, t.seq DESC))[1] AS last_value
  FROM telemetry t CROSS JOIN LATERAL jsonb_each(t.metrics) m
  GROUP BY 1, 2, 3`;

/** Asserts every rollup table holds exactly what aggregating the raw readings gives. */
export async function expectRollupMatchesRaw(pool: pg.Pool): Promise<void> {
  for (const [table, width] of [
    ['telemetry_rollup_1m', '1 minute'],
    ['telemetry_rollup_5m', '5 minutes'],
    ['telemetry_rollup_1h', '1 hour'],
  ] as const) {
    const columns =
      'device_id, bucket_start, metric, count, num_count, num_sum, num_min, num_max, last_value';
    const difference = await pool.query(`
      WITH fresh AS (${FROM_RAW(width)}), stored AS (SELECT ${columns} FROM ${table})
      (SELECT 'missing' AS side, * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM stored) a)
      UNION ALL
      (SELECT 'extra', * FROM (SELECT * FROM stored EXCEPT SELECT * FROM fresh) b)
      LIMIT 5`);
    expect(difference.rows, table).toEqual([]);
  }
}

/** Minutes not rolled up yet (dirty, or logged since the last refresh), oldest first. */
export async function dirtyMinutes(pool: pg.Pool, deviceId?: string): Promise<number[]> {
  const result = await pool.query<{ minute: Date }>(
    `SELECT minute FROM telemetry_rollup_dirty WHERE $1::text IS NULL OR device_id = $1
     UNION
     SELECT pair.minute FROM telemetry_rollup_log
       CROSS JOIN LATERAL unnest(device_ids, minutes) AS pair(device_id, minute)
     WHERE $1::text IS NULL OR pair.device_id = $1
     ORDER BY 1`,
    [deviceId ?? null],
  );
  return result.rows.map((row) => row.minute.getTime());
}

/** Runs `work` while another session holds the refresh lock, so no refresh can run. */
export async function withRefreshBlocked<T>(pool: pg.Pool, work: () => Promise<T>): Promise<T> {
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(29815, 29295)');
    return await work();
  } finally {
    await holder.query('ROLLBACK');
    holder.release();
  }
}
