import { createAclStore } from '@twinwire/db/acl-store';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { createUser } from '@twinwire/db/users';
import type { UserRole } from '@twinwire/db/schema';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { readApiConfig, type ApiConfig } from '../../src/config.ts';

export interface TestApi {
  app: FastifyInstance;
  database: TestDatabase;
  config: ApiConfig;
  /** Creates a user with this role and returns an access token for it. */
  tokenFor(role: UserRole, username?: string): Promise<string>;
  /** One access token for each role: admin, operator and viewer. */
  roleTokens(): Promise<{ admin: string; operator: string; viewer: string }>;
  /** `app.inject` under /api/v1, as the holder of `token` (none: anonymous). */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    token: string | undefined,
    payload?: unknown,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

let users = 0;
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';

/** The real app against a database of its own, for `app.inject()` or a real port. */
export async function buildTestApi(
  env: Record<string, string> = {},
  deps: Pick<Parameters<typeof buildApp>[0], 'exportBatchRows' | 'clientActionTimeoutMs'> = {},
): Promise<TestApi> {
  const database = await createTestDatabase(inject('postgresUrl'));
  const config = readApiConfig({
    LOG_LEVEL: 'silent',
    API_PORT: '0',
    CORS_ORIGINS: 'http://localhost:5173',
    // Tests fail logins on purpose, all from 127.0.0.1; tests of the throttle turn it on.
    LOGIN_THROTTLE: 'false',
    ...env,
  });
  const acl = await createAclStore({ db: database.db });
  const app = await buildApp({
    config,
    db: database,
    databaseUrl: database.url,
    acl,
    jwtSecret: TEST_JWT_SECRET,
    ...deps,
  });
  await app.ready();
  const tokenFor: TestApi['tokenFor'] = async (role, username) => {
    users += 1;
    const name = username ?? `${role}-${users}`;
    const password = `password-of-${name}`;
    await createUser(database.db, { username: name, password, role });
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: name, password },
    });
    return response.json<{ accessToken: string }>().accessToken;
  };
  return {
    app,
    database,
    config,
    tokenFor,
    async roleTokens() {
      const [admin, operator, viewer] = await Promise.all([
        tokenFor('admin'),
        tokenFor('operator'),
        tokenFor('viewer'),
      ]);
      return { admin, operator, viewer };
    },
    call(method, url, token, payload) {
      return app.inject({
        method,
        url: `/api/v1${url}`,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
