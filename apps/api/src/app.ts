import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DbClient } from '@twinwire/db/client';
import type { AclStore } from '@twinwire/db/acl-store';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { allowedOrigins, type ApiConfig } from './config.ts';
import { auth } from './plugins/auth.ts';
import { RateLimited } from './errors.ts';
import { errorHandler } from './plugins/error-handler.ts';
import { openapi } from './plugins/openapi.ts';
import { validation } from './plugins/validation.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';

export interface AppDeps {
  config: ApiConfig;
  db: DbClient;
  acl: AclStore;
  /** Signs access tokens; from JWT_SECRET, or random per process. */
  jwtSecret: string;
  log?: FastifyBaseLogger;
}

/** The API as a plugin tree; `main.ts` and the tests build it the same way. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log } : {}),
    bodyLimit: config.BODY_LIMIT_BYTES,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const origins = allowedOrigins(config);
  await app.register(validation);
  await app.register(errorHandler);
  await app.register(fastifyCors, { origin: origins, credentials: true });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new RateLimited(context.after),
  });
  await app.register(openapi);
  await app.register(healthRoutes, { pool: deps.db.pool });

  // Everything below needs a token: the auth hook lives only in this context.
  await app.register(async (protectedApp) => {
    await protectedApp.register(auth, {
      secret: deps.jwtSecret,
      accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
      origins,
    });
    await protectedApp.register(
      async (v1) => {
        await v1.register(authRoutes, {
          db: deps.db.db,
          accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
          refreshTokenTtlS: config.REFRESH_TOKEN_TTL_S,
          loginRateLimit: config.LOGIN_RATE_LIMIT,
        });
      },
      { prefix: '/api/v1' },
    );
  });
  return app;
}
