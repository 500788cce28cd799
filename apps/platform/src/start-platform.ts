import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildApp, type AppDeps } from '@twinwire/api/app';
import { createBrokerLink } from '@twinwire/api/broker-link';
import { readApiConfig } from '@twinwire/api/config';
import { createBroker, type Broker } from '@twinwire/broker/broker';
import { loopbackBrokerEnv, readBrokerConfig } from '@twinwire/broker/config';
import { createAclStore } from '@twinwire/db/acl-store';
import type { DbClient } from '@twinwire/db/client';
import { openDatabase } from '@twinwire/db/open-database';
import { countUsers, createUser } from '@twinwire/db/users';
import pino, { type Level } from 'pino';

export interface PlatformOptions {
  /** Any PostgreSQL; unset: the embedded one under `dataDir` (default `.data/`). */
  databaseUrl?: string;
  dataDir?: string;
  /**
   * An open, migrated database to run on instead (`databaseUrl` and `dataDir` are then
   * ignored); the platform leaves it open on `close()`, for its owner to close.
   */
  database?: { client: DbClient; url: string };
  /** Address every listener binds to. Default 127.0.0.1. */
  host?: string;
  /** 0 (the default for each) takes a free port. */
  ports?: { mqtt?: number; mqttWs?: number; brokerHttp?: number; api?: number };
  /** MQTT over TLS on `ports.mqttTls` (default free) when given: PEM file paths. */
  tls?: { cert: string; key: string; ca?: string; port?: number };
  /**
   * Created when the database has no user yet. Default: `admin` with a random password;
   * `false`: none (the caller creates its users).
   */
  admin?: { username: string; password: string } | false;
  /** Browser origins the API accepts (REST CORS and WebSocket upgrades). */
  corsOrigins?: string[];
  /** Extra broker environment, e.g. `{ MQTT_MAX_PUBLISH_RATE: '0' }` for load tests. */
  brokerEnv?: Record<string, string>;
  /** Extra API environment, e.g. `{ LOGIN_THROTTLE: 'true' }`. */
  apiEnv?: Record<string, string>;
  /** API settings that are no environment: live-stream buffers, timers. */
  apiOptions?: Pick<AppDeps, 'live' | 'deviceSocket' | 'exportBatchRows' | 'clientActionTimeoutMs'>;
  /** The broker link's service credential. Default: a fresh random one. */
  serviceSecret?: string;
  /** Signs the API's access tokens. Default: a fresh random one. */
  jwtSecret?: string;
  logLevel?: Level | 'silent';
}

type ApiApp = Awaited<ReturnType<typeof buildApp>>;

export interface PlatformUrls {
  mqtt: string;
  /** MQTT over WebSocket, path `/mqtt`. */
  mqttWs: string;
  mqtts?: string;
  /** Broker health and Prometheus metrics. */
  brokerHttp: string;
  /** REST under `/api/v1`, docs at `/docs`. */
  api: string;
  /** `/ws/live` and `/ws/device`. */
  apiWs: string;
}

export interface Platform {
  urls: PlatformUrls;
  /** The first admin when this start created it; otherwise undefined (users existed). */
  admin?: { username: string; password: string };
  serviceSecret: string;
  databaseUrl: string;
  /** The API in this process (fastify), listening on `urls.api`: `app.inject()` works. */
  app: ApiApp;
  /** The broker in this process. */
  broker: Broker;
  /**
   * Another API replica (its own broker link) on the same broker, database and secrets, as
   * behind a load balancer; not listening (call `listen` to give it a port). Closed by `close()`.
   */
  anotherApi(): Promise<ApiApp>;
  /** Closes every API replica, the broker, then the database it opened. */
  close(): Promise<void>;
}

/**
 * The broker and the API in this process, linked with a fresh service credential, over one
 * database: what `main.ts` of each app does, composed. Everything listens on loopback by
 * default and on free ports unless told otherwise.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const host = options.host ?? '127.0.0.1';
  const level = options.logLevel ?? 'silent';
  const log = pino({ name: 'platform', level });
  const serviceSecret = options.serviceSecret ?? randomBytes(24).toString('base64url');
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  const closers: (() => Promise<void>)[] = [];
  let database: { client: DbClient; url: string };
  if (options.database) database = options.database;
  else {
    const opened = await openDatabase({
      url: options.databaseUrl,
      dataDir: options.dataDir,
      applicationName: 'twinwire-platform',
    });
    closers.push(() => opened.close());
    database = opened;
  }
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    const admin = await ensureFirstAdmin(database.client.db, options.admin);
    const ports = options.ports ?? {};
    const broker = await createBroker({
      config: readBrokerConfig(
        loopbackBrokerEnv(serviceSecret, {
          MQTT_HOST: host,
          MQTT_PORT: String(ports.mqtt ?? 0),
          MQTT_WS_PORT: String(ports.mqttWs ?? 0),
          BROKER_HTTP_PORT: String(ports.brokerHttp ?? 0),
          LOG_LEVEL: level,
          ...(options.tls
            ? {
                TLS_CERT: options.tls.cert,
                TLS_KEY: options.tls.key,
                MQTT_TLS_PORT: String(options.tls.port ?? 0),
                ...(options.tls.ca ? { TLS_CA: options.tls.ca } : {}),
              }
            : {}),
          ...options.brokerEnv,
        }),
      ),
      db: database.client,
      databaseUrl: database.url,
      log: log.child({ app: 'broker' }),
    });
    closers.push(() => broker.close());

    const mqttUrl = `mqtt://${host}:${broker.addresses.mqtt}`;
    const apiConfig = readApiConfig({
      API_HOST: host,
      API_PORT: String(ports.api ?? 0),
      MQTT_URL: mqttUrl,
      SERVICE_SECRET: serviceSecret,
      CORS_ORIGINS: (options.corsOrigins ?? ['http://localhost:5173']).join(','),
      LOG_LEVEL: level,
      ...options.apiEnv,
    });
    // One API replica: its own broker link, then the app over it; both closed by `close()`.
    const startApi = async (): Promise<ApiApp> => {
      const link = createBrokerLink({
        url: mqttUrl,
        secret: serviceSecret,
        log: log.child({ app: 'api-broker-link' }),
      });
      closers.push(() => link.close());
      await link.ready(10_000);
      const api = await buildApp({
        ...options.apiOptions,
        config: apiConfig,
        db: database.client,
        databaseUrl: database.url,
        acl: await createAclStore({ db: database.client.db }),
        jwtSecret,
        log: log.child({ app: 'api' }),
        broker: link,
      });
      closers.push(() => api.close());
      return api;
    };
    const app = await startApi();
    await app.listen({ host, port: ports.api ?? 0 });
    const apiPort = (app.server.address() as AddressInfo).port;

    const urls: PlatformUrls = {
      mqtt: mqttUrl,
      mqttWs: `ws://${host}:${broker.addresses.ws}/mqtt`,
      ...(broker.addresses.tls === undefined
        ? {}
        : { mqtts: `mqtts://${host}:${broker.addresses.tls}` }),
      brokerHttp: `http://${host}:${broker.addresses.http}`,
      api: `http://${host}:${apiPort}`,
      apiWs: `ws://${host}:${apiPort}`,
    };
    return {
      urls,
      ...(admin ? { admin } : {}),
      serviceSecret,
      databaseUrl: database.url,
      app,
      broker,
      anotherApi: startApi,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function ensureFirstAdmin(
  db: Parameters<typeof countUsers>[0],
  wanted: PlatformOptions['admin'],
): Promise<{ username: string; password: string } | undefined> {
  if (wanted === false || (await countUsers(db)) > 0) return undefined;
  const admin = wanted ?? { username: 'admin', password: randomBytes(12).toString('base64url') };
  await createUser(db, { ...admin, role: 'admin' });
  return admin;
}
