import { randomBytes } from 'node:crypto';
import { createAclStore } from '@twinwire/db/acl-store';
import { openDatabase } from '@twinwire/db/open-database';
import { countUsers, createUser } from '@twinwire/db/users';
import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.ts';
import { createBrokerLink } from './broker-link.ts';
import { readApiConfig, type ApiConfig } from './config.ts';

let config: ApiConfig;
try {
  config = readApiConfig();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const log = pino({
  name: 'api',
  level: config.LOG_LEVEL,
  redact: ['req.headers.authorization', '*.password', '*.secret', '*.refreshToken'],
  ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty' } } : {}),
});

try {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.TWINWIRE_DATA_DIR,
    applicationName: 'twinwire-api',
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
  });
  const db = database.client;
  if (config.ADMIN_USERNAME && config.ADMIN_PASSWORD && (await countUsers(db.db)) === 0) {
    await createUser(db.db, {
      username: config.ADMIN_USERNAME,
      password: config.ADMIN_PASSWORD,
      role: 'admin',
    });
    log.info({ username: config.ADMIN_USERNAME }, 'first admin created from ADMIN_USERNAME');
  } else if ((await countUsers(db.db)) === 0) {
    log.warn('no users yet: set ADMIN_USERNAME and ADMIN_PASSWORD to create the first admin');
  }
  if (!config.JWT_SECRET)
    log.warn('JWT_SECRET is unset: using a random one, so tokens end when this process does');
  const acl = await createAclStore({ db: db.db });
  const broker = config.SERVICE_SECRET
    ? createBrokerLink({ url: config.MQTT_URL, secret: config.SERVICE_SECRET, log })
    : undefined;
  if (!broker)
    log.warn(
      'SERVICE_SECRET is unset: no broker connection, so live streams and commands answer 503',
    );
  // The link keeps reconnecting on its own: a broker that starts later is picked up.
  await broker?.ready(5_000).catch((error: unknown) => {
    log.warn({ err: error }, 'broker not reachable yet; retrying in the background');
  });
  const app = await buildApp({
    config,
    db,
    databaseUrl: database.url,
    acl,
    jwtSecret: config.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    log,
    ...(broker ? { broker } : {}),
  });
  await app.listen({ host: config.API_HOST, port: config.API_PORT });

  closeWithGrace({ delay: 30_000, logger: log }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'closing after an unexpected error');
    else log.info({ signal }, 'shutting down');
    await app.close();
    await database.close();
  });
} catch (error) {
  const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  log.fatal(
    { err: error },
    inUse
      ? `API_PORT ${config.API_PORT} is already in use; set API_PORT to a free port`
      : 'API failed to start',
  );
  process.exit(1);
}
