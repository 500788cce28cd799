import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb, type DbClient } from '../client.ts';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrate } from '../migrate.ts';

export interface TestPostgres {
  /** Admin URL: tests create their own databases from it. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The PostgreSQL for one test run: `databaseUrl` when given (any server you point it at),
 * otherwise a throwaway embedded cluster in a temp directory, deleted on stop. Tests run it
 * with fsync off; a benchmark that quotes a durability figure asks for `durable: true`.
 */
export async function startTestPostgres(
  databaseUrl?: string,
  options: { durable?: boolean } = {},
): Promise<TestPostgres> {
  if (databaseUrl) return { url: databaseUrl, stop: () => Promise.resolve() };
  const parent = await mkdtemp(join(tmpdir(), 'twinwire-pg-'));
  // As root the server runs as the postgres user, which must be able to enter the parent.
  await chmod(parent, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(parent, 'data'),
    durable: options.durable ?? false,
  });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

export interface TestDatabase extends DbClient {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own, so test files run in parallel without sharing rows. */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `twinwire_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(adminUrl, name);
  const client = createDb({ url, maxConnections: 8 });
  await migrate(client.pool);
  return {
    ...client,
    url,
    name,
    drop: async () => {
      await client.close();
      await withAdmin(adminUrl, (admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the run's PostgreSQL; `createTestDatabase(inject('postgresUrl'))`. */
    postgresUrl: string;
  }
}

/**
 * vitest globalSetup: one PostgreSQL per test run (DATABASE_URL when set, else a throwaway
 * embedded cluster), provided to tests as `inject('postgresUrl')`.
 */
export async function provideTestPostgres(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTestPostgres(process.env.DATABASE_URL);
  project.provide('postgresUrl', postgres.url);
  return () => postgres.stop();
}
