// The export reads a range through a server-side cursor: bounded batches, in order, and the
// next batch only when asked for.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { exportTelemetry } from '../src/telemetry/export.ts';
import { createTelemetryWriter } from '../src/telemetry/writer.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

let database: TestDatabase;
const T0 = Date.UTC(2026, 10, 2);
const COUNT = 1050;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  const writer = createTelemetryWriter({ pool: database.pool });
  await Promise.all(
    Array.from({ length: COUNT }, (_, i) =>
      writer.write({ deviceId: 'cursor-1', ts: T0 + i * 10, seq: i, metrics: { v: i } }),
    ),
  );
  await writer.write({ deviceId: 'cursor-2', ts: T0, seq: 0, metrics: { v: -1 } });
  await writer.close();
});
afterAll(() => database.drop());

it('yields the range in batches no larger than asked, oldest first, every reading once', async () => {
  const sizes: number[] = [];
  const seqs: number[] = [];
  for await (const batch of exportTelemetry(
    database.pool,
    { deviceId: 'cursor-1', from: T0, to: T0 + COUNT * 10 },
    100,
  )) {
    sizes.push(batch.length);
    seqs.push(...batch.map((reading) => reading.seq));
  }
  expect(sizes).toEqual([...Array<number>(10).fill(100), 50]);
  expect(seqs).toEqual(Array.from({ length: COUNT }, (_, i) => i));
});

it('returns its connection when the consumer walks away midway', async () => {
  const iterator = exportTelemetry(
    database.pool,
    { deviceId: 'cursor-1', from: T0, to: T0 + COUNT * 10 },
    10,
  );
  const first = await iterator.next();
  expect(first.value).toHaveLength(10);
  // The cursor's portal is open and holds the rest; the consumer walks away.
  await iterator.return(undefined);
  expect(database.pool.totalCount - database.pool.idleCount).toBe(0);
  // The connection is usable: the cursor was closed, not left open on it.
  const again = await database.pool.query<{ n: number }>('SELECT 1 AS n');
  expect(again.rows).toEqual([{ n: 1 }]);
});
