import { defaultDataDir } from '../embedded.ts';

export interface DbCliConfig {
  /** Any PostgreSQL; when unset, the embedded one under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
}

/** The only place the db CLI reads the environment. */
export function readDbCliConfig(env: NodeJS.ProcessEnv = process.env): DbCliConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error(
      `DATABASE_URL must be a postgres:// or postgresql:// URL, got "${databaseUrl}"`,
    );
  }
  return { databaseUrl, dataDir: env.TWINWIRE_DATA_DIR?.trim() || defaultDataDir() };
}
