import { createUser } from '@twinwire/db/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, TEST_JWT_SECRET, type TestApi } from './helpers/build-app.ts';
import { signHs256 } from './helpers/sign-jwt.ts';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi({ LOGIN_RATE_LIMIT: '1000' });
  await createUser(api.database.db, {
    username: 'root',
    password: 'root-password-123',
    role: 'admin',
  });
});
afterAll(() => api.close());

const login = (username: string, password: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

describe('sign in', () => {
  it('returns an access token, its lifetime, a refresh token and the user', async () => {
    const response = await login('root', 'root-password-123');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      accessToken: expect.stringMatching(/^ey/) as string,
      expiresIn: 900,
      refreshToken: expect.any(String) as string,
      user: { username: 'root', role: 'admin' },
    });
  });

  it('refuses a wrong password with a stable code and no detail about which part was wrong', async () => {
    const response = await login('root', 'nope');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      code: 'TWW_BAD_CREDENTIALS',
      message: 'wrong username or password',
    });
  });

  it('refuses unknown body fields and wrong types with a message naming the field', async () => {
    const extra = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'root', password: 'x', remember: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'body: unknown parameter "remember"',
    });
    const wrongType = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 1, password: 'x' },
    });
    expect(wrongType.json<{ message: string }>().message).toMatch(
      /^body\/username: must be string/,
    );
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'x'.repeat(2_000_000), password: 'y' }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ code: string }>().code).toBe('TWW_BODY_TOO_LARGE');
  });

  it('rate-limits login attempts per client address', async () => {
    const limited = await buildTestApi({ LOGIN_RATE_LIMIT: '3' });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        statuses.push(
          (
            await limited.app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              payload: { username: 'a', password: 'b' },
            })
          ).statusCode,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('refresh tokens', () => {
  it('exchange once for a new session; a spent or unknown token is refused', async () => {
    const first = (await login('root', 'root-password-123')).json<{ refreshToken: string }>();
    const refresh = (token: string) =>
      api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: token },
      });
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    expect(second.json<{ refreshToken: string }>().refreshToken).not.toBe(first.refreshToken);
    expect((await refresh(first.refreshToken)).json()).toMatchObject({
      code: 'TWW_BAD_REFRESH_TOKEN',
    });
    expect((await refresh('made-up')).statusCode).toBe(401);
  });

  it('logout spends the refresh token', async () => {
    const session = (await login('root', 'root-password-123')).json<{ refreshToken: string }>();
    const out = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { refreshToken: session.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    const again = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: session.refreshToken },
    });
    expect(again.statusCode).toBe(401);
  });
});

describe('access tokens', () => {
  it('are required on every protected route: 401 with a stable code otherwise', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer not-a-token' },
      { authorization: 'Basic cm9vdDpyb290' },
    ]) {
      const response = await api.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        code: 'TWW_UNAUTHORIZED',
        message: 'sign in: a valid access token is required',
      });
    }
  });

  it('identify the user', async () => {
    const token = await api.tokenFor('viewer', 'vera');
    const response = await api.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.json()).toMatchObject({ username: 'vera', role: 'viewer' });
  });

  it('expire: an expired token gets a message saying to refresh', async () => {
    const shortLived = await buildTestApi({ ACCESS_TOKEN_TTL_S: '30' });
    try {
      const token = signHs256(
        { sub: 'x', username: 'x', role: 'admin', exp: Math.floor(Date.now() / 1000) - 10 },
        TEST_JWT_SECRET,
      );
      const response = await shortLived.app.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.json()).toEqual({
        code: 'TWW_UNAUTHORIZED',
        message: 'sign in: the access token has expired; refresh it',
      });
    } finally {
      await shortLived.close();
    }
  });
});

describe('public endpoints', () => {
  it('serve health, the OpenAPI document and the docs without a token', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
    });
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
    });
    const spec = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/me']),
    );
    expect((await api.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it('answers an unknown route with a 404 in the same error shape', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/nothing' })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/nothing' })).json()).toEqual({
      code: 'TWW_NOT_FOUND',
      message: 'no route GET /nothing',
    });
  });
});
