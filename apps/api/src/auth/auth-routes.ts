import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@twinwire/db/client';
import { verifyUserPassword, type User } from '@twinwire/db/users';
import { RefreshTokenBody, Session, SignInBody, UserView } from '@twinwire/schemas/rest/auth';
import { Type } from 'typebox';
import { BadCredentials, BadRefreshToken } from '../errors.ts';
import type { ApiLoginGuard } from './login-guard.ts';
import { issueRefreshToken, spendRefreshToken } from './refresh-tokens.ts';
import { ErrorResponse } from '@twinwire/schemas/rest/common';

export const authRoutes: FastifyPluginAsyncTypebox<{
  db: Database;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  loginRateLimit: number;
  logins: ApiLoginGuard;
}> = async (app, options) => {
  async function session(user: User) {
    return {
      accessToken: app.jwt.sign({ sub: user.id, username: user.username, role: user.role }),
      expiresIn: options.accessTokenTtlS,
      refreshToken: await issueRefreshToken(options.db, user.id, options.refreshTokenTtlS),
      user,
    };
  }

  app.post(
    '/auth/login',
    {
      config: { public: true, rateLimit: { max: options.loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        operationId: 'signIn',
        tags: ['auth'],
        summary: 'Sign in with a username and password',
        body: SignInBody,
        response: { 200: Session, 401: ErrorResponse, 429: ErrorResponse, 503: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { logins } = options;
      const keys = logins.keysOf(request, request.body.username);
      // A banned address or name is refused before its password is hashed (issue #13.2).
      logins.refuseIfBanned(reply, keys);
      const user = await logins.verify(request, keys, (runHash) =>
        verifyUserPassword(options.db, request.body.username, request.body.password, runHash),
      );
      if (!user) {
        logins.failed(request, keys);
        throw new BadCredentials();
      }
      logins.succeeded(keys);
      return session(user);
    },
  );

  app.post(
    '/auth/refresh',
    {
      config: {
        public: true,
        rateLimit: { max: options.loginRateLimit * 6, timeWindow: '1 minute' },
      },
      schema: {
        operationId: 'refreshSession',
        tags: ['auth'],
        summary: 'Exchange a refresh token for a new session (the old token is spent)',
        body: RefreshTokenBody,
        response: { 200: Session, 401: ErrorResponse },
      },
    },
    async (request) => {
      const user = await spendRefreshToken(options.db, request.body.refreshToken);
      if (!user) throw new BadRefreshToken();
      return session(user);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { public: true },
      schema: {
        operationId: 'signOut',
        tags: ['auth'],
        summary: 'Spend a refresh token so it cannot be used again',
        body: RefreshTokenBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await spendRefreshToken(options.db, request.body.refreshToken);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        operationId: 'readCurrentUser',
        tags: ['auth'],
        summary: 'The signed-in user',
        response: { 200: UserView, 401: ErrorResponse },
      },
    },
    async (request) => ({
      id: request.user.sub,
      username: request.user.username,
      role: request.user.role,
    }),
  );
};
