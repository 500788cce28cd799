import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';

// From source: packages/db/migrations. From an app's bundle (dist/main.js): dist/migrations,
// where the app's build copies them.
const besideBundle = fileURLToPath(new URL('./migrations', import.meta.url));
export const migrationsFolder = existsSync(besideBundle)
  ? besideBundle
  : fileURLToPath(new URL('../migrations', import.meta.url));

// Any constant works; it only has to be the same in every process of this database.
const MIGRATION_LOCK_KEY = 0x7477_6d67; // "twmg"

/**
 * Applies the committed migrations. Safe to call from many processes at once: a
 * session-level advisory lock serializes them, and each finds the work already done.
 */
export async function migrate(pool: pg.Pool, folder = migrationsFolder): Promise<void> {
  const client = await pool.connect();
  try {
    // Not under the pool's statement timeout: waiting for another process's migration, or
    // a migration that rewrites a table (0010 copies telemetry), may take minutes.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await drizzleMigrate(drizzle(client), { migrationsFolder: folder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}
