/**
 * Keeps the embedded PostgreSQL running for a local platform (`npm start` / `pnpm dev`):
 * starts it under TWINWIRE_DATA_DIR (default .data/postgres) or attaches to the one already
 * running there, applies the migrations, prints one JSON line `{ "url": … }`, and stops the
 * server on SIGINT/SIGTERM if it started it. The apps then share it through DATABASE_URL.
 */
import { createDb } from '../client.ts';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrate } from '../migrate.ts';
import { readDbCliConfig } from './config.ts';

const config = readDbCliConfig();
let stopping = false;
const server = await startEmbeddedPostgres({
  dataDir: config.dataDir,
  log: (line) => {
    if (!stopping && /FATAL|PANIC/.test(line)) console.error(line);
  },
});
const client = createDb({ url: server.url, applicationName: 'twinwire-db-serve' });
try {
  await migrate(client.pool);
} finally {
  await client.close();
}
process.stdout.write(`${JSON.stringify({ url: server.url, dataDir: config.dataDir })}\n`);

const stop = () => {
  if (stopping) return;
  stopping = true;
  void (server.owned ? server.stop() : Promise.resolve()).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keep the process alive until told to stop.
setInterval(() => undefined, 1 << 30);
