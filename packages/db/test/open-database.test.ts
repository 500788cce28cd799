import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { openDatabase } from '../src/open-database.ts';
import { withDatabase } from '../src/testing/postgres.ts';

const adminUrl = inject('postgresUrl');
const name = `twinwire_open_${randomBytes(4).toString('hex')}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(sql);
  await client.end();
}
afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

it('opens DATABASE_URL and migrates it, without starting an embedded server', async () => {
  await admin(`CREATE DATABASE ${name}`);
  const database = await openDatabase({
    url: withDatabase(adminUrl, name),
    applicationName: 'open-test',
  });
  try {
    expect(database.embedded).toBeUndefined();
    const tables = await database.client.pool.query("SELECT to_regclass('telemetry')::text AS t");
    expect(tables.rows[0]).toEqual({ t: 'telemetry' });
  } finally {
    await database.close();
  }
});

it('fails with the connection’s reason when the URL does not answer', async () => {
  await expect(
    openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', applicationName: 'open-test' }),
  ).rejects.toThrow(/ECONNREFUSED/);
});
