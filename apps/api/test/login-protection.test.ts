// Failed sign-ins cannot starve real ones (issue #13.2): the API's login route and the
// /ws/device upgrade share the failed-login throttle and the bounded hash gate (the upgrade,
// which needs a broker, is tested in apps/platform/test/login-protection.test.ts).
import { randomBytes } from 'node:crypto';
import { users } from '@twinwire/db/schema';
import { createUser } from '@twinwire/db/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

const throttled = {
  LOGIN_THROTTLE: 'true',
  LOGIN_THROTTLE_FAILURES: '3',
  LOGIN_THROTTLE_WINDOW_MS: '60000',
  LOGIN_THROTTLE_MAX_BAN_MS: '1000',
  LOGIN_RATE_LIMIT: '1000',
};

const login = (api: TestApi, username: string, password: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

describe('/api/v1/auth/login throttle', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await buildTestApi(throttled);
    await createUser(api.database.db, {
      username: 'ada',
      password: 'pw-ada-12345',
      role: 'viewer',
    });
  });
  afterAll(() => api.close());

  it('answers 429 TWW_RATE_LIMITED with Retry-After after repeated failures, even to the right password, until the ban expires', async () => {
    for (let i = 0; i < 3; i++)
      expect((await login(api, 'ada', `wrong-${i}`)).statusCode).toBe(401);
    const banned = await login(api, 'ada', 'pw-ada-12345');
    expect(banned.statusCode).toBe(429);
    expect(banned.headers['retry-after']).toBe('1');
    expect(banned.json()).toMatchObject({ code: 'TWW_RATE_LIMITED' });

    await expect
      .poll(async () => (await login(api, 'ada', 'pw-ada-12345')).statusCode, {
        timeout: 10_000,
        interval: 250,
      })
      .toBe(200);
  });
});

describe('/api/v1/auth/login hash gate', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await buildTestApi({
      LOGIN_HASH_CONCURRENCY: '1',
      LOGIN_HASH_QUEUE: '0',
      LOGIN_RATE_LIMIT: '1000',
    });
    // Stored hashes that take seconds to check (scrypt N=2^14, p=32: 16 MiB, 32 passes);
    // their keys are random, so every password is wrong and nothing is re-hashed.
    for (const username of ['slow-1', 'slow-2']) {
      const salt = randomBytes(16).toString('base64url');
      const key = randomBytes(32).toString('base64url');
      await api.database.db
        .insert(users)
        .values({ username, role: 'viewer', passwordHash: `scrypt$16384$8$32$${salt}$${key}` });
    }
  });
  afterAll(() => api.close());

  it('answers 503 TWW_SERVER_BUSY when every hash slot is taken and no waiting is allowed', async () => {
    const answers = await Promise.all([login(api, 'slow-1', 'x'), login(api, 'slow-2', 'x')]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([401, 503]);
    const busy = answers.find((answer) => answer.statusCode === 503);
    expect(busy?.json()).toMatchObject({ code: 'TWW_SERVER_BUSY' });
  }, 60_000);
});
