import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../src/client.ts';
import { createTelemetryWriter, WriterClosedError } from '../src/telemetry/writer.ts';
import type { TelemetryRow } from '../src/telemetry/row.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import { startOutageProxy } from '../src/testing/outage-proxy.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

let nextDevice = 0;
function deviceId(): string {
  nextDevice += 1;
  return `writer-${nextDevice}`;
}

function readings(device: string, count: number, start = Date.UTC(2026, 0, 1)): TelemetryRow[] {
  return Array.from({ length: count }, (_, seq) => ({
    deviceId: device,
    ts: start + seq * 1000,
    seq,
    metrics: { temperature: 20 + seq / 10, open: seq % 2 === 0, mode: 'eco' },
  }));
}

async function storedCount(device: string): Promise<number> {
  const result = await database.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM telemetry WHERE device_id = $1',
    [device],
  );
  return Number(result.rows[0]?.n);
}

describe.each(['json', 'copy'] as const)('telemetry writer (%s strategy)', (strategy) => {
  it('resolves a write only once another connection can read the row', async () => {
    const writer = createTelemetryWriter({ pool: database.pool, strategy });
    const device = deviceId();
    const [row] = readings(device, 1);
    await writer.write(row!);
    const observer = new pg.Client({ connectionString: database.url });
    await observer.connect();
    const result = await observer.query('SELECT metrics FROM telemetry WHERE device_id = $1', [
      device,
    ]);
    await observer.end();
    expect(result.rows).toEqual([{ metrics: row!.metrics }]);
    await writer.close();
  });

  it('group-commits 1,000 concurrent writers in a handful of statements', async () => {
    const writer = createTelemetryWriter({ pool: database.pool, strategy, maxBatchRows: 500 });
    const device = deviceId();
    await Promise.all(readings(device, 1000).map((row) => writer.write(row)));
    expect(await storedCount(device)).toBe(1000);
    const stats = writer.stats();
    expect(stats.committed).toBe(1000);
    expect(stats.batches).toBeGreaterThanOrEqual(2);
    expect(stats.batches).toBeLessThanOrEqual(4);
    await writer.close();
  });

  it('stores a redelivered reading once, within a batch and across batches', async () => {
    const writer = createTelemetryWriter({ pool: database.pool, strategy });
    const device = deviceId();
    const rows = readings(device, 10);
    await Promise.all([...rows, ...rows].map((row) => writer.write(row)));
    await Promise.all(rows.map((row) => writer.write({ ...row, metrics: { changed: 1 } })));
    expect(await storedCount(device)).toBe(10);
    expect(writer.stats().duplicates).toBe(20);
    const first = await database.pool.query(
      'SELECT metrics FROM telemetry WHERE device_id = $1 AND seq = 0',
      [device],
    );
    expect(first.rows[0]).toEqual({ metrics: rows[0]!.metrics });
    await writer.close();
  });

  it('keeps text that COPY and JSON must escape intact', async () => {
    const writer = createTelemetryWriter({ pool: database.pool, strategy });
    const device = deviceId();
    const metrics = {
      note: 'tab\there, newline\nthere, back\\slash, quote " and \\N',
      emoji: '🌡️',
    };
    await writer.write({ deviceId: device, ts: Date.UTC(2026, 0, 2), seq: 1, metrics });
    const result = await database.pool.query('SELECT metrics FROM telemetry WHERE device_id = $1', [
      device,
    ]);
    expect(result.rows[0]).toEqual({ metrics });
    await writer.close();
  });

  it('rejects only the row the database refuses, and commits its batch mates', async () => {
    const writer = createTelemetryWriter({ pool: database.pool, strategy });
    const device = deviceId();
    const [good1, good2] = readings(device, 2);
    const refused = {
      deviceId: `${device}\u0000nul`,
      ts: Date.UTC(2026, 0, 3),
      seq: 0,
      metrics: { x: 1 },
    };
    const outcomes = await Promise.allSettled(
      [good1!, refused, good2!].map((row) => writer.write(row)),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(await storedCount(device)).toBe(2);
    expect(writer.stats().rejected).toBe(1);
    await writer.close();
  });
});

describe('telemetry writer back-pressure and shutdown', () => {
  it('makes writers wait, and offer() refuse, while the queue is full', async () => {
    const writer = createTelemetryWriter({
      pool: database.pool,
      maxInFlightBatches: 1,
      maxBatchRows: 1,
      maxQueuedRows: 4,
    });
    const device = deviceId();
    const rows = readings(device, 8);
    const blocker = await database.pool.connect();
    await blocker.query('BEGIN; LOCK TABLE telemetry IN EXCLUSIVE MODE');

    const inFlight = writer.write(rows[0]!);
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [1, 2, 3].map((i) => writer.offer(rows[i]!));
    expect(queued.every((promise) => promise !== null)).toBe(true);
    expect(writer.offer(rows[4]!)).toBeNull();

    let waitingResolved = false;
    const waiting = writer.write(rows[5]!).then(() => {
      waitingResolved = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Four rows held: one in the blocked statement, three queued.
    expect(writer.stats().queued).toBe(3);
    expect(waitingResolved).toBe(false);

    await blocker.query('COMMIT');
    blocker.release();
    await Promise.all([inFlight, ...queued, waiting]);
    expect(await storedCount(device)).toBe(5);
    await writer.close();
  });

  it('close() during traffic commits every accepted write and refuses later ones', async () => {
    const writer = createTelemetryWriter({ pool: database.pool });
    const device = deviceId();
    const accepted = readings(device, 5000).map((row) => writer.write(row));
    await writer.close();
    await expect(Promise.all(accepted)).resolves.toHaveLength(5000);
    expect(await storedCount(device)).toBe(5000);
    await expect(writer.write(readings(device, 1)[0]!)).rejects.toBeInstanceOf(WriterClosedError);
    await expect(writer.offer(readings(device, 1)[0]!)).rejects.toBeInstanceOf(WriterClosedError);
  });

  it('rides out a database outage: writers wait, then everything is stored exactly once', async () => {
    const proxy = await startOutageProxy(database.url);
    const client = createDb({ url: proxy.url, maxConnections: 4 });
    const retries: number[] = [];
    const writer = createTelemetryWriter({
      pool: client.pool,
      retryDelayMs: { initial: 10, max: 100 },
      onRetry: (_error, attempt) => retries.push(attempt),
    });
    const device = deviceId();
    const rows = readings(device, 3000);

    const before = rows.slice(0, 1000).map((row) => writer.write(row));
    await Promise.all(before);
    await proxy.cut();
    const during = rows.slice(1000).map((row) => writer.write(row));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(writer.stats().committed).toBe(1000);
    await proxy.restore();
    await Promise.all(during);

    expect(retries.length).toBeGreaterThan(0);
    expect(await storedCount(device)).toBe(3000);
    await writer.close();
    await client.close();
    await proxy.close();
  });
});
