import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/embedded.ts';

const parent = await mkdtemp(join(tmpdir(), 'twinwire-embedded-'));
await chmod(parent, 0o755);
const dataDir = join(parent, 'data');
afterAll(() => rm(parent, { recursive: true, force: true }));

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<Record<string, unknown>>(text);
    return result.rows;
  } finally {
    await client.end();
  }
}

it('keeps its data across a stop and a second start, and lets a second process attach', async () => {
  const first = await startEmbeddedPostgres({ dataDir, durable: false });
  expect(first.owned).toBe(true);
  await query(first.url, "CREATE TABLE kept AS SELECT 'still here' AS value");

  const attached = await startEmbeddedPostgres({ dataDir });
  expect(attached).toMatchObject({ owned: false, port: first.port });
  await attached.stop();
  expect(await query(first.url, 'SELECT 1 AS alive')).toEqual([{ alive: 1 }]);
  await first.stop();

  const second = await startEmbeddedPostgres({ dataDir, durable: false });
  try {
    expect(second.owned).toBe(true);
    expect(await query(second.url, 'SELECT value FROM kept')).toEqual([{ value: 'still here' }]);
  } finally {
    await second.stop();
  }
});
