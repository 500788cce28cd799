// A transaction's pool client goes back to the pool however the transaction ends, including
// when the link to PostgreSQL drops before its BEGIN is answered (patches/drizzle-orm@0.45.4.md).
// The API's readiness test hung in `pool.end()` about one run in three on this leak: the cut
// landed on the partition housekeeping's BEGIN.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDb } from '../src/client.ts';
import { startOutageProxy } from '../src/testing/outage-proxy.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

it('returns the client to the pool when the link drops before BEGIN is answered', async () => {
  const outage = await startOutageProxy(database.url);
  // One client: a leaked one leaves the pool nothing to give the next transaction.
  const client = createDb({ url: outage.url, maxConnections: 1 });
  try {
    let cutOnce = true;
    client.pool.on('acquire', () => {
      if (!cutOnce) return;
      cutOnce = false;
      void outage.cut();
    });
    await expect(client.db.transaction((tx) => tx.execute(sql`SELECT 1`))).rejects.toThrow();
    expect(client.pool.totalCount - client.pool.idleCount).toBe(0);

    await outage.restore();
    const answer = await client.db.transaction((tx) =>
      tx.execute<{ answer: number }>(sql`SELECT 42 AS answer`),
    );
    expect(answer.rows[0]?.answer).toBe(42);
  } finally {
    await client.close();
    await outage.close();
  }
});

it('rejects with the failure that ended the transaction, not the failed ROLLBACK after it', async () => {
  const outage = await startOutageProxy(database.url);
  const client = createDb({ url: outage.url, maxConnections: 1 });
  try {
    const failure = client.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1`);
      await outage.cut();
      throw new Error('the work failed');
    });
    await expect(failure).rejects.toThrow('the work failed');
    // The client whose ROLLBACK failed is discarded, not handed out again.
    expect(client.pool.totalCount).toBe(0);
  } finally {
    await client.close();
    await outage.close();
  }
});
