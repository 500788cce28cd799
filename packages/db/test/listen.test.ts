import pino from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { listenToDb } from '../src/listen.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

it('delivers notifications per channel, and after losing its connection reconnects and says so', async () => {
  const received: string[] = [];
  let reconnects = 0;
  const events = listenToDb({
    url: database.url,
    channels: {
      alpha: (payload) => received.push(`alpha:${payload}`),
      beta: (payload) => received.push(`beta:${payload}`),
    },
    onReconnect: () => (reconnects += 1),
    log: pino({ level: 'silent' }),
    applicationName: 'listen-test',
  });
  await events.ready;
  await database.pool.query(
    "SELECT pg_notify('alpha', 'one'), pg_notify('beta', 'two'), pg_notify('gamma', 'ignored')",
  );
  await expect.poll(() => received).toEqual(['alpha:one', 'beta:two']);

  await database.pool.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'listen-test'",
  );
  await expect.poll(() => reconnects, { timeout: 10_000 }).toBe(1);
  await database.pool.query("SELECT pg_notify('alpha', 'three')");
  await expect.poll(() => received).toContain('alpha:three');
  await events.close();
});
