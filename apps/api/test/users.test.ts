// User administration (admin only): list, create, change role, disable, reset password; every
// change ends the user's older access tokens at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

interface User {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  disabledAt: string | null;
}
interface Session {
  accessToken: string;
  refreshToken: string;
  user: { role: string };
}

let api: TestApi;
let admin: string;
let operator: string;
beforeAll(async () => {
  api = await buildTestApi({ LOGIN_RATE_LIMIT: '1000' });
  admin = await api.tokenFor('admin', 'users-admin');
  operator = await api.tokenFor('operator');
});
afterAll(() => api.close());

const login = (username: string, password: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

async function create(username: string, role = 'viewer', password = `pw-of-${username}-123`) {
  const response = await api.call('POST', '/users', admin, { username, password, role });
  expect(response.statusCode).toBe(201);
  return response.json<User>();
}

describe('listing and creating users', () => {
  it('creates a user who can sign in, and lists every user by name', async () => {
    const user = await create('ada', 'operator');
    expect(user).toMatchObject({ username: 'ada', role: 'operator', disabled: false });
    expect((await login('ada', 'pw-of-ada-123')).statusCode).toBe(200);
    const list = await api.call('GET', '/users', admin);
    const names = list.json<{ items: User[] }>().items.map((each) => each.username);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('ada');
  });

  it('refuses a taken name, a topic-like name, a short password and a bad role, saying why', async () => {
    await create('grace');
    const taken = await api.call('POST', '/users', admin, {
      username: 'grace',
      password: 'long-enough-password',
      role: 'viewer',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({
      code: 'TWW_CONFLICT',
      message: "a user named 'grace' already exists",
    });
    const bad = async (body: object) =>
      (await api.call('POST', '/users', admin, body)).json<{ message: string }>().message;
    expect(
      await bad({ username: 'ops/+', password: 'long-enough-password', role: 'viewer' }),
    ).toMatch(
      /^body\/username: must match pattern .*\(Username: 1-128 characters, none of \/ \+ # or control characters\)$/,
    );
    expect(await bad({ username: 'linus', password: 'short', role: 'viewer' })).toMatch(
      /^body\/password: must NOT have fewer than 12 characters/,
    );
    expect(await bad({ username: 'linus', password: 'long-enough-password', role: 'root' })).toBe(
      'body/role: must be one of: admin, operator, viewer',
    );
  });

  it('is for admins only', async () => {
    expect((await api.call('GET', '/users', operator)).statusCode).toBe(403);
    expect(
      (
        await api.call('POST', '/users', operator, {
          username: 'x',
          password: 'long-enough-password',
          role: 'admin',
        })
      ).statusCode,
    ).toBe(403);
  });
});

describe('changing users', () => {
  it('changes a role: the old token stops at once and a refresh carries the new role', async () => {
    await create('bo', 'viewer');
    const session = (await login('bo', 'pw-of-bo-123')).json<Session>();
    const user = (await api.call('GET', '/users', admin))
      .json<{ items: User[] }>()
      .items.find((each) => each.username === 'bo');
    // Tokens carry whole seconds: a change in the next second ends this one.
    await sleep(1100);
    const changed = await api.call('PATCH', `/users/${user?.id ?? ''}`, admin, {
      role: 'operator',
    });
    expect(changed.json<User>().role).toBe('operator');
    expect((await api.call('GET', '/auth/me', session.accessToken)).statusCode).toBe(401);
    const refreshed = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: session.refreshToken },
    });
    expect(refreshed.json<Session>().user.role).toBe('operator');
  });

  it('disables a user (no sign-in, sessions end) and enables them again', async () => {
    const user = await create('cy', 'operator');
    const session = (await login('cy', 'pw-of-cy-123')).json<Session>();
    await sleep(1100);
    const disabled = await api.call('PATCH', `/users/${user.id}`, admin, { disabled: true });
    expect(disabled.json<User>()).toMatchObject({ disabled: true });
    expect((await login('cy', 'pw-of-cy-123')).statusCode).toBe(401);
    expect((await api.call('GET', '/devices', session.accessToken)).statusCode).toBe(401);
    const refresh = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: session.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    await api.call('PATCH', `/users/${user.id}`, admin, { disabled: false });
    expect((await login('cy', 'pw-of-cy-123')).statusCode).toBe(200);
  });

  it('resets a password: the old one and the old sessions stop working', async () => {
    const user = await create('dee', 'viewer');
    const session = (await login('dee', 'pw-of-dee-123')).json<Session>();
    await sleep(1100);
    const reset = await api.call('POST', `/users/${user.id}/password`, admin, {
      password: 'the-new-password',
    });
    expect(reset.statusCode).toBe(204);
    expect((await login('dee', 'pw-of-dee-123')).statusCode).toBe(401);
    expect((await login('dee', 'the-new-password')).statusCode).toBe(200);
    expect((await api.call('GET', '/auth/me', session.accessToken)).statusCode).toBe(401);
  });

  it('never demotes or disables the last enabled admin', async () => {
    const fresh = await buildTestApi();
    try {
      const token = await fresh.tokenFor('admin', 'only-admin');
      const [me] = (await fresh.call('GET', '/users', token)).json<{ items: User[] }>().items;
      const demote = await fresh.call('PATCH', `/users/${me?.id ?? ''}`, token, {
        role: 'viewer',
      });
      expect(demote.statusCode).toBe(409);
      expect(demote.json<{ message: string }>().message).toMatch(/last enabled admin/);
      const disable = await fresh.call('PATCH', `/users/${me?.id ?? ''}`, token, {
        disabled: true,
      });
      expect(disable.statusCode).toBe(409);
    } finally {
      await fresh.close();
    }
  });

  it('answers an unknown user with 404 and an empty change with 400', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (await api.call('PATCH', `/users/${unknown}`, admin, { role: 'viewer' })).statusCode,
    ).toBe(404);
    expect(
      (await api.call('POST', `/users/${unknown}/password`, admin, { password: 'long-enough-pw' }))
        .statusCode,
    ).toBe(404);
    expect((await api.call('PATCH', `/users/${unknown}`, admin, {})).statusCode).toBe(400);
  });
});
