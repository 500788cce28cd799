import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTelemetryBuckets, type BucketOptions } from '../src/telemetry/buckets.ts';
import {
  ensureTelemetryPartitions,
  listTelemetryPartitions,
  telemetryPartitionName,
  utcDay,
} from '../src/telemetry/partitions.ts';
import { readTelemetryRange } from '../src/telemetry/queries.ts';
import { applyTelemetryRetention } from '../src/telemetry/retention.ts';
import { refreshTelemetryRollup } from '../src/telemetry/rollup.ts';
import type { TelemetryRow } from '../src/telemetry/row.ts';
import { createTelemetryWriter } from '../src/telemetry/writer.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import { expectRollupMatchesRaw } from './helpers/rollup.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TODAY = utcDay(Date.now());
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

async function store(rows: readonly TelemetryRow[]): Promise<{ duplicates: number }> {
  const writer = createTelemetryWriter({ pool: database.pool, maxBatchRows: 50 });
  await Promise.all(rows.map((row) => writer.write(row)));
  await writer.close();
  return { duplicates: writer.stats().duplicates };
}

/** The partition each of the device's readings is stored in, by seq. */
async function storedIn(deviceId: string): Promise<string[]> {
  const result = await database.pool.query<{ partition: string }>(
    'SELECT tableoid::regclass::text AS partition FROM telemetry WHERE device_id = $1 ORDER BY seq',
    [deviceId],
  );
  return result.rows.map((row) => row.partition);
}

const partitionNames = async () =>
  (await listTelemetryPartitions(database.db)).map((partition) => partition.name);

describe('ensureTelemetryPartitions', () => {
  it('has today and the next 7 days partitioned once migrated', async () => {
    const names = await partitionNames();
    for (let offset = 0; offset <= 7; offset += 1) {
      expect(names).toContain(telemetryPartitionName(TODAY + offset * DAY));
    }
  });

  it('creates the missing days ahead once, even from two concurrent callers, with the primary key', async () => {
    const now = TODAY + 30 * DAY;
    const [first, second] = await Promise.all([
      ensureTelemetryPartitions(database.db, { daysAhead: 3, now }),
      ensureTelemetryPartitions(database.db, { daysAhead: 3, now }),
    ]);
    const wanted = [0, 1, 2, 3].map((offset) => telemetryPartitionName(now + offset * DAY));
    expect([...first, ...second].sort()).toEqual(wanted);
    expect(await ensureTelemetryPartitions(database.db, { daysAhead: 3, now })).toEqual([]);
    expect(await partitionNames()).toEqual(expect.arrayContaining(wanted));
    const indexes = await database.pool.query<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname',
      [wanted[0]],
    );
    expect(indexes.rows.map((row) => row.indexdef)).toEqual([
      expect.stringMatching(/UNIQUE INDEX .* USING btree \(device_id, ts, seq\)/),
      expect.stringMatching(/USING brin \(ts\)/),
    ]);
  });

  it('stores a reading for a day without a partition in DEFAULT, queryable, and moves it into the day once created', async () => {
    const day = TODAY + 60 * DAY;
    const readings = [0, 1, 2].map((seq) => ({
      deviceId: 'unpartitioned-day',
      ts: day + seq * HOUR,
      seq,
      metrics: { v: seq },
    }));
    await store(readings);
    expect(await storedIn('unpartitioned-day')).toEqual(Array(3).fill('telemetry_default'));
    const range = { deviceId: 'unpartitioned-day', from: day, to: day + DAY, limit: 10 };
    expect((await readTelemetryRange(database.db, range)).readings).toEqual(readings);
    await refreshTelemetryRollup(database.db);

    expect(await ensureTelemetryPartitions(database.db, { daysAhead: 0, now: day })).toEqual([
      telemetryPartitionName(day),
    ]);
    expect(await storedIn('unpartitioned-day')).toEqual(Array(3).fill(telemetryPartitionName(day)));
    expect((await readTelemetryRange(database.db, range)).readings).toEqual(readings);
    // A move, not a delete and an insert: the rollup has nothing to recompute.
    const logged = await database.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_rollup_log',
    );
    expect(logged.rows[0]?.n).toBe(0);
    await expectRollupMatchesRaw(database.pool);
  });

  it("keeps the writer's duplicate suppression across partitions: ON CONFLICT on the partitioned key", async () => {
    const rows = [
      { deviceId: 'dup', ts: TODAY + HOUR, seq: 1, metrics: { v: 1 } },
      { deviceId: 'dup', ts: TODAY - 500 * DAY, seq: 2, metrics: { v: 2 } },
    ];
    expect(await store(rows)).toEqual({ duplicates: 0 });
    expect(await store(rows.map((row) => ({ ...row, metrics: { v: 99 } })))).toEqual({
      duplicates: 2,
    });
    expect(await storedIn('dup')).toEqual([telemetryPartitionName(TODAY), 'telemetry_default']);
    const values = await database.pool.query<{ v: number }>(
      "SELECT (metrics->>'v')::int AS v FROM telemetry WHERE device_id = 'dup' ORDER BY seq",
    );
    expect(values.rows).toEqual([{ v: 1 }, { v: 2 }]);
  });
});

describe('applyTelemetryRetention', () => {
  it('drops day partitions before the cutoff, deletes DEFAULT readings before it, and keeps later days, their readings and buckets unchanged', async () => {
    const base = TODAY - 200 * DAY;
    await ensureTelemetryPartitions(database.db, { daysAhead: 3, now: base });
    const readings: TelemetryRow[] = [];
    for (let offset = 0; offset <= 3; offset += 1) {
      for (let minute = 0; minute < 90; minute += 1) {
        readings.push({
          deviceId: `retained-${minute % 3}`,
          ts: base + offset * DAY + 23 * HOUR + minute * 40_000,
          seq: offset * 1000 + minute,
          metrics: { t: minute % 17, on: minute % 2 === 0 },
        });
      }
    }
    // Older than any partition: in DEFAULT.
    readings.push({ deviceId: 'retained-0', ts: base - 10 * DAY, seq: 99, metrics: { t: 1 } });
    await store(readings);
    await refreshTelemetryRollup(database.db);

    const keptFrom = base + 2 * DAY;
    const bucketQueries: BucketOptions[] = ['retained-0', 'retained-1'].flatMap((deviceId) =>
      [60_000, 5 * 60_000, HOUR, DAY].map((bucketMs) => ({
        deviceId,
        from: keptFrom,
        to: base + 4 * DAY,
        bucketMs,
      })),
    );
    const bucketsBefore = await Promise.all(
      bucketQueries.map((query) => readTelemetryBuckets(database.db, query)),
    );
    const rangeOf = (deviceId: string) =>
      readTelemetryRange(database.db, {
        deviceId,
        from: keptFrom,
        to: base + 4 * DAY,
        limit: 1000,
      });
    const rangeBefore = await rangeOf('retained-2');

    // Noon of base + 2: days base and base + 1 have ended before it; base + 2 has not.
    const result = await applyTelemetryRetention(database.db, {
      before: base + 2 * DAY + 12 * HOUR,
    });
    expect(result).toEqual({
      dropped: [telemetryPartitionName(base), telemetryPartitionName(base + DAY)],
      // In DEFAULT: this test's reading of base - 10 days and 'dup''s of 500 days ago.
      deleted: 2,
    });
    const names = await partitionNames();
    expect(names).not.toContain(telemetryPartitionName(base + DAY));
    expect(names).toContain(telemetryPartitionName(keptFrom));
    const oldest = await database.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry WHERE ts < $1',
      [new Date(keptFrom)],
    );
    expect(oldest.rows[0]?.n).toBe(0);
    // 'dup''s reading of today is untouched.
    expect(await storedIn('dup')).toEqual([telemetryPartitionName(TODAY)]);

    expect(await rangeOf('retained-2')).toEqual(rangeBefore);
    const bucketsAfter = await Promise.all(
      bucketQueries.map((query) => readTelemetryBuckets(database.db, query)),
    );
    expect(bucketsAfter).toEqual(bucketsBefore);
    const rollupBefore = await database.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM telemetry_rollup_1m WHERE bucket_start < $1',
      [new Date(keptFrom)],
    );
    expect(rollupBefore.rows[0]?.n).toBe(0);
    await refreshTelemetryRollup(database.db);
    await expectRollupMatchesRaw(database.pool);

    // Idempotent: nothing left to drop.
    expect(
      await applyTelemetryRetention(database.db, { before: base + 2 * DAY + 12 * HOUR }),
    ).toEqual({ dropped: [], deleted: 0 });
  });

  it('drops each day once when instances apply retention concurrently', async () => {
    const base = TODAY - 300 * DAY;
    await ensureTelemetryPartitions(database.db, { daysAhead: 5, now: base });
    const before = base + 6 * DAY;
    const results = await Promise.all(
      [0, 1, 2].map(() => applyTelemetryRetention(database.db, { before })),
    );
    const dropped = results.flatMap((result) => result.dropped).sort();
    expect(dropped).toEqual(
      [0, 1, 2, 3, 4, 5].map((day) => telemetryPartitionName(base + day * DAY)),
    );
  });
});
