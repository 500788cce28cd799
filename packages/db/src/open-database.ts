import { createDb, type DbClient } from './client.ts';
import { defaultDataDir, startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded.ts';
import { migrate } from './migrate.ts';

export interface OpenDatabaseOptions {
  /** Any PostgreSQL; when unset, the embedded one under `dataDir`. */
  url?: string | undefined;
  dataDir?: string | undefined;
  applicationName: string;
  statementTimeoutMs?: number;
}

export interface OpenDatabase {
  client: DbClient;
  /** The URL in use, e.g. for a LISTEN connection of its own. */
  url: string;
  /** Set when the embedded server is used. */
  embedded?: EmbeddedPostgresHandle;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/**
 * What every app does at start: use DATABASE_URL or start (or attach to) the embedded
 * PostgreSQL, then apply the migrations.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  const embedded = options.url
    ? undefined
    : await startEmbeddedPostgres({ dataDir: options.dataDir ?? defaultDataDir() });
  const url = options.url ?? embedded?.url ?? '';
  const client = createDb({
    url,
    applicationName: options.applicationName,
    ...(options.statementTimeoutMs === undefined
      ? {}
      : { statementTimeoutMs: options.statementTimeoutMs }),
  });
  const close = async () => {
    await client.close();
    if (embedded?.owned) await embedded.stop();
  };
  try {
    await migrate(client.pool);
  } catch (error) {
    await close();
    throw error;
  }
  return { client, url, ...(embedded ? { embedded } : {}), close };
}
