import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDb } from '../src/client.ts';
import { refreshTelemetryRollup, type RefreshRollupResult } from '../src/telemetry/rollup.ts';
import { startRollupRefresher } from '../src/telemetry/rollup-refresher.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import { dirtyMinutes, expectRollupMatchesRaw } from './helpers/rollup.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

it('catches the rollup up in the background, in bounded batches', async () => {
  await database.pool.query(`
    INSERT INTO telemetry (device_id, ts, seq, metrics)
    SELECT 'bg-' || (i % 3), timestamptz '2026-04-01' + i * interval '7 seconds', i,
           jsonb_build_object('v', i, 'on', i % 2 = 0)
    FROM generate_series(0, 2999) i`);
  expect((await dirtyMinutes(database.pool)).length).toBeGreaterThan(300);
  const results: RefreshRollupResult[] = [];
  const errors: unknown[] = [];
  const refresher = startRollupRefresher({
    db: database.db,
    intervalMs: 5,
    settleMs: 0,
    batchMinutes: 100,
    onError: (error) => errors.push(error),
    onRefresh: (result) => results.push(result),
  });
  try {
    await expect.poll(() => dirtyMinutes(database.pool), { timeout: 20_000 }).toEqual([]);
  } finally {
    await refresher.close();
  }
  expect(errors).toEqual([]);
  expect(results.some((result) => result.batches > 1)).toBe(true);
  await expectRollupMatchesRaw(database.pool);
});

it('leaves minutes marked within the settle time for a later tick', async () => {
  await database.pool.query(
    `INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ('settling', now(), 0, '{"v": 1}')`,
  );
  expect(await refreshTelemetryRollup(database.db, { settleMs: 3_600_000 })).toMatchObject({
    minutes: 0,
  });
  expect(await dirtyMinutes(database.pool, 'settling')).toHaveLength(1);
  expect(await refreshTelemetryRollup(database.db, { settleMs: 0 })).toMatchObject({ minutes: 1 });
});

it('reports a failed refresh and keeps trying on the next tick', async () => {
  const broken = createDb({ url: database.url, maxConnections: 1 });
  await broken.close();
  const errors: unknown[] = [];
  const refresher = startRollupRefresher({
    db: broken.db,
    intervalMs: 5,
    onError: (error) => errors.push(error),
  });
  try {
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2);
  } finally {
    await refresher.close();
  }
  expect(String(errors[0])).toMatch(/pool/i);
});
