import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTelemetryBuckets } from '../src/telemetry/buckets.ts';
import {
  deleteTelemetryBefore,
  readRecentTelemetry,
  readTelemetryRange,
} from '../src/telemetry/queries.ts';
import { createTelemetryWriter } from '../src/telemetry/writer.ts';
import type { TelemetryRow } from '../src/telemetry/row.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

const T0 = Date.UTC(2026, 5, 1);
const MINUTE = 60_000;
let database: TestDatabase;

async function store(rows: TelemetryRow[]): Promise<void> {
  const writer = createTelemetryWriter({ pool: database.pool });
  await Promise.all(rows.map((row) => writer.write(row)));
  await writer.close();
}

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  // 'range': one reading per second for an hour, plus two readings sharing a timestamp.
  await store([
    ...Array.from({ length: 3600 }, (_, i) => ({
      deviceId: 'range',
      ts: T0 + i * 1000,
      seq: i,
      metrics: { temperature: i % 60, ok: i % 2 === 0, label: `r${i}` },
    })),
    { deviceId: 'range', ts: T0, seq: 100_000, metrics: { temperature: 0 } },
    { deviceId: 'other', ts: T0, seq: 0, metrics: { temperature: 999 } },
  ]);
});
afterAll(() => database.drop());

describe('readTelemetryRange', () => {
  it('pages through a range with a cursor: no gap, no duplicate, hasMore on every page but the last', async () => {
    const seen: string[] = [];
    const hasMoreFlags: boolean[] = [];
    let after: { ts: number; seq: number } | undefined;
    for (;;) {
      const page = await readTelemetryRange(database.db, {
        deviceId: 'range',
        from: T0,
        to: T0 + 10 * MINUTE,
        limit: 250,
        ...(after ? { after } : {}),
      });
      seen.push(...page.readings.map((reading) => `${reading.ts}:${reading.seq}`));
      hasMoreFlags.push(page.hasMore);
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    // 600 one-per-second readings plus the extra one sharing T0.
    expect(seen).toHaveLength(601);
    expect(new Set(seen).size).toBe(601);
    expect(seen.slice(0, 2)).toEqual([`${T0}:0`, `${T0}:100000`]);
    expect(hasMoreFlags).toEqual([true, true, false]);
  });

  it('returns epoch-ms timestamps and only the requested device, from inclusive, to exclusive', async () => {
    const page = await readTelemetryRange(database.db, {
      deviceId: 'other',
      from: T0,
      to: T0 + 1,
      limit: 10,
    });
    expect(page).toEqual({
      readings: [{ deviceId: 'other', ts: T0, seq: 0, metrics: { temperature: 999 } }],
      hasMore: false,
      nextCursor: null,
    });
    const empty = await readTelemetryRange(database.db, {
      deviceId: 'other',
      from: T0 + 1,
      to: T0 + 2,
      limit: 10,
    });
    expect(empty.readings).toEqual([]);
  });

  it('treats SQL metacharacters in a device id as plain data', async () => {
    const page = await readTelemetryRange(database.db, {
      deviceId: "range' OR '1'='1",
      from: T0,
      to: T0 + 10 * MINUTE,
      limit: 10,
    });
    expect(page.readings).toEqual([]);
  });

  it('answers a per-device time range from the primary-key index', async () => {
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN; SET LOCAL enable_seqscan = off');
      const plan = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT * FROM telemetry WHERE device_id = 'range' AND ts >= now() - interval '1 day' AND ts < now() ORDER BY ts, seq LIMIT 10`,
      );
      await client.query('ROLLBACK');
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text, text).toMatch(/Index (Only )?Scan using telemetry_\w*pkey/);
      // Per partition (telemetry is partitioned by day), merged in key order: no Sort node
      // ("Sort Key" of the Merge Append is the merge, not a sort).
      expect(text, text).not.toMatch(/Sort {2}\(/);
    } finally {
      client.release();
    }
  });
});

describe('readRecentTelemetry', () => {
  it('returns the latest readings oldest first, bounded by limit and since', async () => {
    const recent = await readRecentTelemetry(database.db, { deviceId: 'range', limit: 3 });
    expect(recent.map((reading) => reading.seq)).toEqual([3597, 3598, 3599]);
    const since = await readRecentTelemetry(database.db, {
      deviceId: 'range',
      limit: 100,
      since: T0 + 3598 * 1000,
    });
    expect(since.map((reading) => reading.ts)).toEqual([T0 + 3598 * 1000, T0 + 3599 * 1000]);
    expect(await readRecentTelemetry(database.db, { deviceId: 'nobody', limit: 5 })).toEqual([]);
  });
});

describe('readTelemetryBuckets', () => {
  it('computes avg/min/max/last/count per metric per bucket in SQL, matching a reference computation', async () => {
    const buckets = await readTelemetryBuckets(database.db, {
      deviceId: 'range',
      from: T0,
      to: T0 + 3 * MINUTE,
      bucketMs: MINUTE,
      metrics: ['temperature'],
    });
    expect(buckets.map((bucket) => bucket.bucket)).toEqual([T0, T0 + MINUTE, T0 + 2 * MINUTE]);
    // Minute 0 holds temperatures 0..59 plus the extra 0 at T0 (seq 100000).
    expect(buckets[0]).toEqual({
      bucket: T0,
      metric: 'temperature',
      count: 61,
      avg: (59 * 60) / 2 / 61,
      min: 0,
      max: 59,
      last: 59,
    });
    expect(buckets[1]).toMatchObject({ count: 60, avg: 29.5, min: 0, max: 59, last: 59 });
  });

  it('counts non-numeric metrics and reports their last value, with null numeric aggregates', async () => {
    const buckets = await readTelemetryBuckets(database.db, {
      deviceId: 'range',
      from: T0 + MINUTE,
      to: T0 + 2 * MINUTE,
      bucketMs: MINUTE,
    });
    expect(buckets.map((bucket) => bucket.metric)).toEqual(['label', 'ok', 'temperature']);
    expect(buckets[0]).toEqual({
      bucket: T0 + MINUTE,
      metric: 'label',
      count: 60,
      avg: null,
      min: null,
      max: null,
      last: 'r119',
    });
    expect(buckets[1]).toMatchObject({ metric: 'ok', count: 60, avg: null, last: false });
  });

  it('aligns buckets to the epoch whatever the range start', async () => {
    const buckets = await readTelemetryBuckets(database.db, {
      deviceId: 'range',
      from: T0 + 30_000,
      to: T0 + 90_000,
      bucketMs: MINUTE,
      metrics: ['temperature'],
    });
    expect(buckets.map((bucket) => [bucket.bucket, bucket.count])).toEqual([
      [T0, 30],
      [T0 + MINUTE, 30],
    ]);
  });
});

describe('deleteTelemetryBefore (retention)', () => {
  it('deletes only readings older than the cutoff, in batches, and reports how many', async () => {
    const retention = await createTestDatabase(inject('postgresUrl'));
    try {
      const writer = createTelemetryWriter({ pool: retention.pool });
      await Promise.all(
        Array.from({ length: 2500 }, (_, i) =>
          writer.write({ deviceId: `d${i % 3}`, ts: T0 + i * 1000, seq: i, metrics: { v: i } }),
        ),
      );
      await writer.close();
      const deleted = await deleteTelemetryBefore(retention.db, {
        before: T0 + 1000 * 1000,
        batchRows: 300,
      });
      expect(deleted).toBe(1000);
      const left = await retention.pool.query<{ n: string; oldest: Date }>(
        'SELECT count(*) AS n, min(ts) AS oldest FROM telemetry',
      );
      expect(Number(left.rows[0]?.n)).toBe(1500);
      expect(left.rows[0]?.oldest.getTime()).toBe(T0 + 1000 * 1000);
    } finally {
      await retention.drop();
    }
  });
});
