import fastifyJwt from '@fastify/jwt';
import type { UserRole } from '@twinwire/db/schema';
import { can, type Capability } from '@twinwire/schemas/capabilities';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Forbidden, OriginNotAllowed, Unauthorized } from '../errors.ts';

interface AccessClaims {
  sub: string;
  username: string;
  role: UserRole;
  /** Issued at, epoch seconds (set by @fastify/jwt). */
  iat?: number;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No token needed (health, login, refresh, docs). */
    public?: boolean;
    /** What the user must be allowed (@twinwire/schemas/capabilities); any signed-in user when omitted. */
    capability?: Capability;
  }
}

/**
 * Checks the access token before anything else on every route and WebSocket upgrade (401
 * before the 101), a browser's Origin on upgrades (403), and the route's capability (403).
 * Tokens come as `Authorization: Bearer …`, or for WebSockets, which browsers cannot give
 * headers, as `?access_token=…`.
 */
export const auth = fp(
  async (
    app: FastifyInstance,
    options: { secret: string; accessTokenTtlS: number; origins: readonly string[] },
  ) => {
    await app.register(fastifyJwt, {
      secret: options.secret,
      sign: { expiresIn: options.accessTokenTtlS },
      verify: {
        extractToken: (request: FastifyRequest) => {
          const header = request.headers.authorization;
          if (header?.startsWith('Bearer ')) return header.slice(7);
          const query = request.query as { access_token?: unknown } | undefined;
          return typeof query?.access_token === 'string' ? query.access_token : undefined;
        },
      },
    });

    app.addHook('onRequest', async (request) => {
      const config = request.routeOptions.config;
      if (config.public) return;
      if (request.headers.upgrade?.toLowerCase() === 'websocket') {
        const origin = request.headers.origin;
        if (origin !== undefined && !options.origins.includes(origin))
          throw new OriginNotAllowed(origin);
      }
      try {
        await request.jwtVerify();
      } catch (error) {
        const reason =
          (error as { code?: string }).code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED'
            ? 'the access token has expired; refresh it'
            : 'a valid access token is required';
        throw new Unauthorized(reason);
      }
      // A role change, a password reset or disabling ends the tokens issued before it.
      if (app.userAccess.refuses(request.user.sub, request.user.iat))
        throw new Unauthorized(
          'your role, password or account changed since this token was issued',
        );
      if (config.capability && !can(request.user.role, config.capability))
        throw new Forbidden(request.user.role);
    });
  },
  { name: 'auth' },
);
