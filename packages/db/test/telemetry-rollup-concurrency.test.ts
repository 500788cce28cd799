import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readTelemetryBuckets } from '../src/telemetry/buckets.ts';
import { refreshTelemetryRollup } from '../src/telemetry/rollup.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import { dirtyMinutes, expectRollupMatchesRaw, withRefreshBlocked } from './helpers/rollup.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1);
const M = T0 + 5 * MINUTE;

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

async function insert(client: pg.Pool | pg.PoolClient, deviceId: string, ts: number, v: number) {
  await client.query(
    `INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ($1, $2, 0, jsonb_build_object('v', $3::int))`,
    [deviceId, new Date(ts), v],
  );
}

/** Sessions of this database waiting for a lock while running a statement matching `pattern`. */
async function waitingOnLock(pattern: string): Promise<number> {
  const result = await database.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
    [pattern],
  );
  return result.rows[0]?.n ?? 0;
}

/** Exact answers need no refresh: compare with the raw aggregation while none can run. */
async function expectExact(deviceId: string): Promise<void> {
  const options = { deviceId, from: T0, to: T0 + 60 * MINUTE, bucketMs: MINUTE };
  const raw = await readTelemetryBuckets(database.db, { ...options, source: 'raw' });
  const viaRollup = await withRefreshBlocked(database.pool, () =>
    readTelemetryBuckets(database.db, options),
  );
  expect(viaRollup).toEqual(raw);
}

async function expectCaughtUpAfterRefresh(deviceId: string): Promise<void> {
  await refreshTelemetryRollup(database.db, { deviceId });
  expect(await dirtyMinutes(database.pool, deviceId)).toEqual([]);
  await expectRollupMatchesRaw(database.pool);
}

describe('refresh racing writers', () => {
  it('keeps a minute pending when its writer commits after the refresh recomputed it', async () => {
    const deviceId = 'writer-open';
    await insert(database.pool, deviceId, M + 1_000, 1);
    const writer = await database.pool.connect();
    try {
      await writer.query('BEGIN');
      await insert(writer, deviceId, M + 2_000, 2);
      // The refresh neither waits for the open writer nor takes its log entry.
      expect((await refreshTelemetryRollup(database.db, { deviceId })).minutes).toBe(1);
      await writer.query('COMMIT');
    } finally {
      writer.release();
    }
    expect(await dirtyMinutes(database.pool, deviceId)).toEqual([M]);
    await expectExact(deviceId);
    await expectCaughtUpAfterRefresh(deviceId);
  });

  it('keeps a minute pending when a reading commits while the refresh is recomputing it from an older snapshot', async () => {
    const deviceId = 'mid-refresh';
    await insert(database.pool, deviceId, M + 1_000, 1);
    const blocker = await database.pool.connect();
    try {
      // An uncommitted rollup row with the key the refresh will insert: the refresh's
      // INSERT (its snapshot already taken) waits for it.
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO telemetry_rollup_1m (device_id, bucket_start, metric, count, num_count, last_value)
         VALUES ($1, $2, 'v', 0, 0, '0')`,
        [deviceId, new Date(M)],
      );
      const refresh = refreshTelemetryRollup(database.db, { deviceId });
      await expect.poll(() => waitingOnLock('%INSERT INTO "telemetry_rollup_1m"%')).toBe(1);
      await insert(database.pool, deviceId, M + 2_000, 2);
      await blocker.query('ROLLBACK');
      expect((await refresh).minutes).toBe(1);
    } finally {
      blocker.release();
    }
    // The rollup missed the second reading, and says so.
    const stored = await database.pool.query<{ count: string }>(
      'SELECT count FROM telemetry_rollup_1m WHERE device_id = $1',
      [deviceId],
    );
    expect(stored.rows).toEqual([{ count: '1' }]);
    expect(await dirtyMinutes(database.pool, deviceId)).toEqual([M]);
    await expectExact(deviceId);
    await expectCaughtUpAfterRefresh(deviceId);
  });

  it('lets only one refresh run at a time; the other returns busy without waiting', async () => {
    await withRefreshBlocked(database.pool, async () => {
      expect(await refreshTelemetryRollup(database.db)).toEqual({
        minutes: 0,
        batches: 0,
        busy: true,
      });
    });
  });
});
