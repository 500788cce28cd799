import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { freePort, startEmbeddedPostgres } from '../src/embedded.ts';

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

/** A port some other process holds, as a parallel test run might between pick and bind. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { port: address.port, server };
}

it('tries another port when the one it picked is taken before PostgreSQL binds it', async () => {
  const taken = await occupiedPort();
  const picked: number[] = [];
  const said: string[] = [];
  try {
    const server = await startEmbeddedPostgres({
      dataDir,
      durable: false,
      pickPort: async () => {
        const port = picked.length === 0 ? taken.port : await freePort();
        picked.push(port);
        return port;
      },
      log: (line) => said.push(line),
    });
    try {
      expect(picked).toHaveLength(2);
      expect(server.port).toBe(picked[1]);
      expect(said).toContain(
        `port ${taken.port} was taken before PostgreSQL bound it: trying another`,
      );
      expect(await query(server.url, 'SELECT 1 AS alive')).toEqual([{ alive: 1 }]);
    } finally {
      await server.stop();
    }
  } finally {
    taken.server.close();
  }
});

it("names the port and gives the server's own reason when an explicit port is taken", async () => {
  const taken = await occupiedPort();
  try {
    const starting = startEmbeddedPostgres({ dataDir, port: taken.port, durable: false });
    await expect(starting).rejects.toThrow(
      new RegExp(`did not start on port ${taken.port}[^]*Address already in use`),
    );
  } finally {
    taken.server.close();
  }
});
