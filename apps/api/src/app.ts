import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyWebsocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DbClient } from '@twinwire/db/client';
import type { AclStore } from '@twinwire/db/acl-store';
import { limits } from '@twinwire/schemas/limits';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { alarmEngine } from './alarms/alarm-engine.ts';
import { createAddressPolicy } from './webhooks/address-policy.ts';
import { webhookDelivery } from './webhooks/delivery-worker.ts';
import { webhookRoutes } from './webhooks/webhook-routes.ts';
import { alarmRoutes } from './alarms/alarm-routes.ts';
import { alarmRuleRoutes } from './alarms/rule-routes.ts';
import { brokerLinkPlugin, type BrokerLink } from './broker-link.ts';
import { allowedOrigins, type ApiConfig } from './config.ts';
import { corsOptions } from './plugins/cors-options.ts';
import { deviceSocketRoutes } from './device-socket/device-routes.ts';
import { liveRoutes, type LiveOptions } from './live/live-routes.ts';
import { auth } from './plugins/auth.ts';
import { dbEvents } from './plugins/db-events.ts';
import { RateLimited } from './errors.ts';
import { createApiLoginGuard } from './auth/login-guard.ts';
import { createLoginProtection } from '@twinwire/logins/login-protection';
import { errorHandler } from './plugins/error-handler.ts';
import { asyncapi } from './plugins/asyncapi.ts';
import { metrics } from './plugins/metrics.ts';
import { openapi } from './plugins/openapi.ts';
import { validation } from './plugins/validation.ts';
import { clientRoutes } from './clients/client-routes.ts';
import { retainedRoutes } from './retained/retained-routes.ts';
import { aclRuleRoutes } from './acl/acl-routes.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { commandRoutes } from './commands/command-routes.ts';
import { deviceRoutes } from './devices/device-routes.ts';
import { healthRoutes } from './health/health-routes.ts';
import { telemetryRoutes } from './telemetry/telemetry-routes.ts';
import { userRoutes } from './users/user-routes.ts';
import { telemetryRetention } from './telemetry/retention.ts';
import { rollupRefresher } from './telemetry/rollup-refresher.ts';

export interface AppDeps {
  config: ApiConfig;
  db: DbClient;
  acl: AclStore;
  /** For LISTEN: ACL edits and device revocations made on other instances reach this one. */
  databaseUrl?: string;
  /** Signs access tokens; from JWT_SECRET, or random per process. */
  jwtSecret: string;
  log?: FastifyBaseLogger;
  /** The service MQTT connection; without it the WebSocket and command routes answer 503. */
  broker?: BrokerLink;
  /** Slow-dashboard limits and hooks for `/ws/live`. */
  live?: LiveOptions;
  /** `/ws/device` tuning: how often last-seen times are written (default 10 s). */
  deviceSocket?: { lastSeenFlushMs?: number };
  /** Readings per database cursor read while exporting telemetry (default 1,000). */
  exportBatchRows?: number;
  /** How long a client action waits for its broker's confirmation (default 5 s). */
  clientActionTimeoutMs?: number;
}

/** The API as a plugin tree; `main.ts` and the tests build it the same way. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log } : {}),
    bodyLimit: config.BODY_LIMIT_BYTES,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const origins = allowedOrigins(config);
  const webhookPolicy = createAddressPolicy({
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK,
  });
  // One failed-login throttle and hash gate for the sign-in route and device sockets.
  const logins = createApiLoginGuard(createLoginProtection(config));
  await app.register(validation);
  await app.register(errorHandler);
  // First, so its request timing sees every route registered after it.
  await app.register(metrics, { token: config.METRICS_TOKEN });
  await app.register(fastifyCors, corsOptions(origins));
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new RateLimited(context.after),
  });
  await app.register(openapi);
  await app.register(asyncapi);
  await app.register(healthRoutes, { pool: deps.db.pool });
  await app.register(rollupRefresher, {
    db: deps.db.db,
    intervalMs: config.ROLLUP_REFRESH_INTERVAL_MS,
  });
  await app.register(telemetryRetention, {
    db: deps.db.db,
    days: config.TELEMETRY_RETENTION_DAYS,
    partitionDaysAhead: config.TELEMETRY_PARTITION_DAYS_AHEAD,
  });
  // A frame over the limit closes its socket with 1009 (Message Too Big).
  await app.register(fastifyWebsocket, { options: { maxPayload: limits.maxPayloadBytes } });
  await app.register(brokerLinkPlugin, { link: deps.broker });
  await app.register(dbEvents, { url: deps.databaseUrl, acl: deps.acl });
  await app.register(webhookDelivery, {
    pool: deps.db.pool,
    databaseUrl: deps.databaseUrl,
    policy: webhookPolicy,
    settings: {
      pollMs: config.WEBHOOK_POLL_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
    },
  });
  await app.register(alarmEngine, {
    pool: deps.db.pool,
    databaseUrl: deps.databaseUrl,
    noDataSweepMs: config.ALARM_NO_DATA_SWEEP_MS,
  });
  // Devices authenticate with their own credential, so this sits outside the JWT context.
  await app.register(deviceSocketRoutes, { db: deps.db, logins, ...deps.deviceSocket });

  // Everything below needs a token: the auth hook lives only in this context.
  await app.register(async (protectedApp) => {
    await protectedApp.register(auth, {
      secret: deps.jwtSecret,
      accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
      origins,
    });
    await protectedApp.register(liveRoutes, { db: deps.db.db, acl: deps.acl, live: deps.live });
    await protectedApp.register(
      async (v1) => {
        await v1.register(authRoutes, {
          db: deps.db.db,
          accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
          refreshTokenTtlS: config.REFRESH_TOKEN_TTL_S,
          loginRateLimit: config.LOGIN_RATE_LIMIT,
          logins,
        });
        await v1.register(telemetryRoutes, {
          db: deps.db.db,
          pool: deps.db.pool,
          ...(deps.exportBatchRows === undefined ? {} : { exportBatchRows: deps.exportBatchRows }),
        });
        await v1.register(deviceRoutes, { db: deps.db.db });
        await v1.register(aclRuleRoutes, { db: deps.db.db, acl: deps.acl });
        await v1.register(commandRoutes, { db: deps.db.db, acl: deps.acl });
        await v1.register(clientRoutes, {
          db: deps.db.db,
          ...(deps.clientActionTimeoutMs === undefined
            ? {}
            : { actionTimeoutMs: deps.clientActionTimeoutMs }),
        });
        await v1.register(userRoutes, { db: deps.db.db });
        await v1.register(alarmRuleRoutes, { pool: deps.db.pool });
        await v1.register(alarmRoutes, { pool: deps.db.pool });
        await v1.register(webhookRoutes, { pool: deps.db.pool, policy: webhookPolicy });
        await v1.register(retainedRoutes, {
          db: deps.db.db,
          ...(deps.clientActionTimeoutMs === undefined
            ? {}
            : { actionTimeoutMs: deps.clientActionTimeoutMs }),
        });
      },
      { prefix: '/api/v1' },
    );
  });
  return app;
}
