/**
 * `pnpm --filter @twinwire/db db:prepare`: make the database ready — start the embedded
 * PostgreSQL (first run: initialise it under .data/) unless DATABASE_URL is set, apply the
 * migrations, report where it is, and stop what it started.
 */
import { createDb } from '../client.ts';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrate } from '../migrate.ts';
import { readDbCliConfig } from './config.ts';

const config = readDbCliConfig();
let stopping = false;
const server = config.databaseUrl
  ? undefined
  : await startEmbeddedPostgres({
      dataDir: config.dataDir,
      log: (line) => {
        if (!stopping && /FATAL|PANIC|ERROR/.test(line)) console.error(line);
      },
    });
const url = config.databaseUrl ?? server?.url ?? '';
const redacted = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
const client = createDb({ url, applicationName: 'twinwire-db-prepare' });
try {
  console.log(
    server ? `embedded PostgreSQL: ${config.dataDir} (${redacted})` : `PostgreSQL: ${redacted}`,
  );
  await migrate(client.pool);
  const applied = await client.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
  );
  console.log(`migrations: ${applied.rows[0]?.n ?? 0} applied, database ready`);
} catch (error) {
  console.error(`database not ready: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await client.close();
  stopping = true;
  if (server?.owned) await server.stop();
}
