import { createDb } from '@twinwire/db/client';
import { defaultDataDir, startEmbeddedPostgres } from '@twinwire/db/embedded';
import { migrate } from '@twinwire/db/migrate';
import { createBroker } from './broker.ts';
import { readBrokerConfig } from './config.ts';
import { createLogger } from './log.ts';

let config;
try {
  config = readBrokerConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL);

try {
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.TWINWIRE_DATA_DIR ?? defaultDataDir() });
  const databaseUrl = config.DATABASE_URL ?? embedded?.url ?? '';
  if (embedded)
    log.info({ port: embedded.port, owned: embedded.owned }, 'using embedded PostgreSQL');
  const db = createDb({ url: databaseUrl, applicationName: 'twinwire-broker' });
  await migrate(db.pool);
  const broker = await createBroker({ config, db, databaseUrl, log });
  log.info(broker.addresses, 'broker listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: flushing readings and closing');
    void broker
      .close()
      .then(() => db.close())
      .then(() => (embedded?.owned ? embedded.stop() : undefined))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  log.fatal({ err: error }, error instanceof Error ? error.message : 'broker failed to start');
  process.exit(1);
}
