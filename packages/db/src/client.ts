import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema.ts';

export type Database = NodePgDatabase<typeof schema>;

export interface CreateDbOptions {
  /** A `postgres://` URL. Use `startEmbeddedPostgres()` to get one without an installed server. */
  url: string;
  /** Pool size; the telemetry writer takes up to its `maxInFlightBatches` of these. */
  maxConnections?: number;
  /** Server-side cap for every statement on this pool, in ms (0 = none). */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export interface DbClient {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

export function createDb(options: CreateDbOptions): DbClient {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'twinwire',
    statement_timeout: options.statementTimeoutMs ?? 0,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its server (restart, failover) must not crash the process:
  // the pool discards it and the next query reconnects.
  pool.on('error', () => undefined);
  // Nor a checked-out one, between the statements of a transaction: pg emits the socket's
  // error on the client, and the pool listens only while it is idle. The work in progress
  // learns of it from its next query, which fails.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = drizzle(pool, { schema });
  return {
    db,
    pool,
    close: () => pool.end(),
  };
}
