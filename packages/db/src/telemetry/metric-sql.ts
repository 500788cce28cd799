import { sql, type SQL } from 'drizzle-orm';

/**
 * The per-value expressions every bucket aggregate is built from, shared by the rollup
 * refresh and the bucket query so that both compute exactly the same thing. `value` is a
 * jsonb metric value: only JSON numbers are numeric; booleans and strings are counted and
 * can be `last`. Sums are `numeric` (jsonb stores numbers as numeric), so adding per-minute
 * sums gives exactly the sum over the readings, however they are grouped.
 */
export function numberOf(value: SQL): SQL {
  return sql`CASE WHEN jsonb_typeof(${value}) = 'number' THEN ${value} END`;
}

/** avg from an exact sum: one rounding to float8, then one division. */
export function avgOf(sum: SQL, count: SQL): SQL {
  return sql`(${sum})::float8 / nullif(${count}, 0)::float8`;
}

/** An epoch-ms instant as timestamptz, exactly (no client time-zone formatting involved). */
export function instant(ms: number): SQL {
  return sql`(timestamptz 'epoch' + ${ms}::int8 * interval '1 millisecond')`;
}

/** A timestamptz expression as epoch ms (int8). */
export function toEpochMs(value: SQL): SQL {
  return sql`(extract(epoch FROM ${value}) * 1000)::int8`;
}
