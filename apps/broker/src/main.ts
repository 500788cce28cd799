import { openDatabase } from '@twinwire/db/open-database';
import { ensureTelemetryPartitions } from '@twinwire/db/telemetry-partitions';
import closeWithGrace from 'close-with-grace';
import { createBroker } from './broker.ts';
import { readBrokerConfig, type BrokerConfig } from './config.ts';
import { createLogger } from './log.ts';

let config: BrokerConfig;
try {
  config = readBrokerConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const log = createLogger(config.LOG_LEVEL);

try {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.TWINWIRE_DATA_DIR,
    applicationName: 'twinwire-broker',
  });
  if (database.embedded) log.info({ port: database.embedded.port }, 'using embedded PostgreSQL');
  // The API keeps the days ahead (hourly); this covers a deployment running brokers alone.
  // Never fatal: a reading of a day without a partition is stored in the DEFAULT partition.
  await ensureTelemetryPartitions(database.client.db, { daysAhead: 7 }).then(
    (created) => {
      if (created.length > 0) log.info({ created }, 'telemetry partitions created');
    },
    (error: unknown) => {
      log.warn({ err: error }, 'telemetry partitions not created');
    },
  );
  const broker = await createBroker({
    config,
    db: database.client,
    databaseUrl: database.url,
    log,
  });
  log.info(broker.addresses, 'broker listening');

  // SIGTERM/SIGINT: stop accepting, publish offline status, commit every buffered reading.
  closeWithGrace({ delay: 30_000, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'closing after an unexpected error');
    else log.info({ signal }, 'shutting down: flushing readings and closing');
    await broker.close();
    await database.close();
  });
} catch (error) {
  log.fatal({ err: error }, error instanceof Error ? error.message : 'broker failed to start');
  process.exit(1);
}
