// `node dist/migrate.js`: applies the database migrations and exits — the one-shot step a
// deployment runs before rolling out new broker and API processes. (Each app also migrates
// at start under an advisory lock, so skipping this is safe, only slower to start.)
import { openDatabase } from '@twinwire/db/open-database';
import { readApiConfig } from './config.ts';

try {
  const config = readApiConfig();
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL must be set to run the migrations');
  const database = await openDatabase({
    url: config.DATABASE_URL,
    applicationName: 'twinwire-migrate',
  });
  await database.close();
  console.log('migrations applied');
} catch (error) {
  console.error(`migrations failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
