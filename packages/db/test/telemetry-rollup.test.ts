import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTelemetryBuckets, type BucketOptions } from '../src/telemetry/buckets.ts';
import { deleteTelemetryBefore } from '../src/telemetry/queries.ts';
import { refreshTelemetryRollup } from '../src/telemetry/rollup.ts';
import type { TelemetryRow } from '../src/telemetry/row.ts';
import { createTelemetryWriter } from '../src/telemetry/writer.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import {
  dirtyMinutes,
  expectRollupMatchesRaw,
  random,
  withRefreshBlocked,
} from './helpers/rollup.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 1);
const BUCKETS = [
  SECOND,
  59 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  24 * HOUR,
];

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

async function store(rows: readonly TelemetryRow[]): Promise<void> {
  const writer = createTelemetryWriter({ pool: database.pool, maxBatchRows: 37 });
  await Promise.all(rows.map((row) => writer.write(row)));
  await writer.close();
}

/** Random readings: late and out of order, duplicates, every value type, metrics coming and going. */
function readings(seed: number, devices: readonly string[], start: number): TelemetryRow[] {
  const rng = random(seed);
  const hotMinutes = Array.from({ length: 6 }, () => start + rng.int(0, 3 * 60) * MINUTE);
  const value = () =>
    rng.pick<() => number | boolean | string>([
      () => rng.int(-50, 50),
      () => rng.int(-100_000, 100_000) / 1000,
      () => 0.1 * rng.int(0, 30),
      () => 1e15 + rng.int(0, 9),
      () => rng.chance(0.5),
      () => rng.pick(['ok', 'warn', '', 'ünïcode']),
    ])();
  const rows: TelemetryRow[] = [];
  for (let i = rng.int(50, 400); i > 0; i -= 1) {
    const ts = rng.chance(0.6)
      ? rng.pick(hotMinutes) + rng.int(0, MINUTE - 1)
      : start + rng.int(-MINUTE, 3 * HOUR + MINUTE);
    const metrics: TelemetryRow['metrics'] = {};
    if (rng.chance(0.8)) metrics.temperature = rng.int(-400, 400) / 8;
    if (rng.chance(0.5)) metrics.mixed = value();
    if (rng.chance(0.3)) metrics.door = rng.chance(0.5);
    if (rng.chance(0.2) || Object.keys(metrics).length === 0)
      metrics[`m${rng.int(0, 3)}`] = value();
    rows.push({ deviceId: rng.pick(devices), ts, seq: rng.int(0, 3), metrics });
  }
  // Redeliveries of readings already sent, possibly much later.
  for (const row of rows.slice(0, rng.int(0, 20))) rows.push({ ...row });
  return rows;
}

describe('bucket queries over the rollup', () => {
  it('equal the raw aggregation to the bit, for random readings, batches, refreshes, retention and ranges', async () => {
    for (let seed = 1; seed <= 12; seed += 1) {
      const rng = random(seed * 7919);
      const devices = [`p${seed}-a`, `p${seed}-b`];
      const start = T0 + seed * 10 * HOUR + rng.int(0, HOUR);
      const rows = readings(seed, devices, start);
      let cursor = 0;
      while (cursor < rows.length) {
        const size = rng.int(1, rows.length);
        await store(rows.slice(cursor, cursor + size));
        cursor += size;
        if (rng.chance(0.5))
          await refreshTelemetryRollup(database.db, {
            batchMinutes: rng.int(1, 40),
            maxBatches: rng.int(1, 3),
            ...(rng.chance(0.5) ? { deviceId: rng.pick(devices) } : {}),
          });
        if (rng.chance(0.15))
          await deleteTelemetryBefore(database.db, {
            before: start + rng.int(0, HOUR),
            batchRows: rng.int(5, 50),
          });
        for (let query = 0; query < 4; query += 1) {
          const from = start + rng.int(-10 * MINUTE, 3 * HOUR);
          const options: BucketOptions = {
            deviceId: rng.pick(devices),
            from,
            to: from + rng.int(0, 4 * HOUR),
            bucketMs: rng.pick(BUCKETS),
            ...(rng.chance(0.3) ? { metrics: ['temperature', 'mixed'] } : {}),
          };
          const viaRollup = () => readTelemetryBuckets(database.db, options);
          const got = rng.chance(0.3)
            ? await withRefreshBlocked(database.pool, viaRollup)
            : await viaRollup();
          const want = await readTelemetryBuckets(database.db, { ...options, source: 'raw' });
          expect(got, `seed ${seed}: ${JSON.stringify(options)}`).toEqual(want);
        }
      }
    }
    await refreshTelemetryRollup(database.db);
    expect(await dirtyMinutes(database.pool)).toEqual([]);
    await expectRollupMatchesRaw(database.pool);
  });

  it('answers from rollup rows once refreshed, and reads minutes dirtied since from raw rows', async () => {
    const device = 'dirty-reads';
    await store(
      Array.from({ length: 180 }, (_, i) => ({
        deviceId: device,
        ts: T0 + i * 20 * SECOND,
        seq: 0,
        metrics: { v: i },
      })),
    );
    const hour = { deviceId: device, from: T0, to: T0 + HOUR, bucketMs: HOUR };
    expect(await dirtyMinutes(database.pool, device)).toHaveLength(60);
    const first = await readTelemetryBuckets(database.db, hour);
    expect(first).toEqual([
      { bucket: T0, metric: 'v', count: 180, avg: 89.5, min: 0, max: 179, last: 179 },
    ]);
    // The query refreshed the device's dirty minutes in range before reading.
    expect(await dirtyMinutes(database.pool, device)).toEqual([]);

    // A late reading while no refresh can run: its minute is read raw, the rest from rollups.
    await store([{ deviceId: device, ts: T0 + 30 * MINUTE + 1, seq: 9, metrics: { v: 1000 } }]);
    const late = await withRefreshBlocked(database.pool, () =>
      readTelemetryBuckets(database.db, hour),
    );
    expect(await dirtyMinutes(database.pool, device)).toEqual([T0 + 30 * MINUTE]);
    expect(late).toEqual([
      {
        bucket: T0,
        metric: 'v',
        count: 181,
        avg: (89.5 * 180 + 1000) / 181,
        min: 0,
        max: 1000,
        last: 179,
      },
    ]);
  });

  it('does not mark minutes for redelivered readings, which change nothing', async () => {
    const row = { deviceId: 'redelivered', ts: T0 + 5 * MINUTE, seq: 1, metrics: { v: 1 } };
    await store([row]);
    await refreshTelemetryRollup(database.db, { deviceId: 'redelivered' });
    await store([row, { ...row, metrics: { v: 2 } }]);
    expect(await dirtyMinutes(database.pool, 'redelivered')).toEqual([]);
  });

  it('marks the old and the new minute of an updated reading', async () => {
    const deviceId = 'corrected';
    await store([{ deviceId, ts: T0 + 2 * MINUTE, seq: 1, metrics: { v: 1 } }]);
    await refreshTelemetryRollup(database.db, { deviceId });
    await database.pool.query(
      `UPDATE telemetry SET ts = ts + interval '3 minutes', metrics = '{"v": 5}' WHERE device_id = $1`,
      [deviceId],
    );
    expect(await dirtyMinutes(database.pool, deviceId)).toEqual([T0 + 2 * MINUTE, T0 + 5 * MINUTE]);
    await refreshTelemetryRollup(database.db, { deviceId });
    expect(
      await readTelemetryBuckets(database.db, {
        deviceId,
        from: T0,
        to: T0 + HOUR,
        bucketMs: HOUR,
      }),
    ).toEqual([{ bucket: T0, metric: 'v', count: 1, avg: 5, min: 5, max: 5, last: 5 }]);
  });
});

describe('retention and the rollup', () => {
  it('keeps queries exact right after deleteTelemetryBefore, and the rollup equal to raw after a refresh', async () => {
    const retention = await createTestDatabase(inject('postgresUrl'));
    try {
      const writer = createTelemetryWriter({ pool: retention.pool });
      await Promise.all(
        Array.from({ length: 3 * 3600 }, (_, i) =>
          writer.write({
            deviceId: `r${i % 2}`,
            ts: T0 + i * SECOND,
            seq: i,
            metrics: { v: i % 97 },
          }),
        ),
      );
      await writer.close();
      await refreshTelemetryRollup(retention.db);
      // Mid-minute, mid-hour: partial minute and hour rows must be recomputed.
      await deleteTelemetryBefore(retention.db, { before: T0 + HOUR + 90 * SECOND + 500 });
      for (const bucketMs of [MINUTE, HOUR]) {
        const options = { deviceId: 'r1', from: T0, to: T0 + 3 * HOUR, bucketMs };
        const raw = await readTelemetryBuckets(retention.db, { ...options, source: 'raw' });
        expect(raw[0]?.bucket).toBe(T0 + HOUR + (bucketMs === MINUTE ? MINUTE : 0));
        const rollup = await withRefreshBlocked(retention.pool, () =>
          readTelemetryBuckets(retention.db, options),
        );
        expect(rollup).toEqual(raw);
      }
      await refreshTelemetryRollup(retention.db);
      await expectRollupMatchesRaw(retention.pool);
    } finally {
      await retention.drop();
    }
  });

  it('empties the rollup when the readings are truncated', async () => {
    const truncated = await createTestDatabase(inject('postgresUrl'));
    try {
      await truncated.pool.query(
        `INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ('d', now(), 0, '{"v": 1}')`,
      );
      await refreshTelemetryRollup(truncated.db);
      // Still pending when the readings go.
      await truncated.pool.query(
        `INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ('d', now(), 1, '{"v": 2}')`,
      );
      await truncated.pool.query('TRUNCATE telemetry');
      const left = await truncated.pool.query<{ n: number }>(`
        SELECT (SELECT count(*) FROM telemetry_rollup_1m) + (SELECT count(*) FROM telemetry_rollup_5m)
             + (SELECT count(*) FROM telemetry_rollup_1h) + (SELECT count(*) FROM telemetry_rollup_dirty)
             + (SELECT count(*) FROM telemetry_rollup_log) AS n`);
      expect(Number(left.rows[0]?.n)).toBe(0);
    } finally {
      await truncated.drop();
    }
  });
});
