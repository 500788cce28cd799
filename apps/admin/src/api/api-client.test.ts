import { dataOf } from '@twinwire/api-client/client';
import { beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../auth/session-store.ts';
import { ApiClient } from './api-client.ts';
import { ApiError, apiErrorFromResponse, describeError } from './api-error.ts';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const user = { id: 'u1', username: 'ada', role: 'operator' as const };
const sessionBody = (n: number) => ({
  accessToken: `access-${n}`,
  expiresIn: 900,
  refreshToken: `refresh-${n}`,
  user,
});

/** A stand-in for apps/api's auth: access tokens listed in `valid` pass, refresh-N → access-N+1. */
function fakeApi() {
  const valid = new Set<string>();
  const calls: string[] = [];
  let issued = 0;
  const fetchImpl: typeof fetch = async (input, init) => {
    // The client sends a Request (openapi-fetch): method, headers and body are read from it.
    const request = new Request(input, init);
    const url = new URL(request.url);
    calls.push(`${request.method} ${url.pathname}`);
    const text = await request.text();
    const body = text ? (JSON.parse(text) as Record<string, string>) : {};
    if (url.pathname === '/api/v1/auth/login') {
      if (body.password !== 'right')
        return json(401, { code: 'TWW_BAD_CREDENTIALS', message: 'wrong username or password' });
      issued += 1;
      valid.add(`access-${issued}`);
      return json(200, sessionBody(issued));
    }
    if (url.pathname === '/api/v1/auth/refresh') {
      if (body.refreshToken !== `refresh-${issued}`)
        return json(401, { code: 'TWW_BAD_REFRESH_TOKEN', message: 'sign in again' });
      issued += 1;
      valid.add(`access-${issued}`);
      return json(200, sessionBody(issued));
    }
    const token = request.headers.get('authorization')?.slice('Bearer '.length);
    if (!token || !valid.has(token))
      return json(401, {
        code: 'TWW_UNAUTHORIZED',
        message: 'sign in: the access token has expired',
      });
    return json(200, { token });
  };
  return { fetchImpl, valid, calls };
}

/** A call that needs the access token; the fake API answers it with the token it was sent. */
const listDevices = (client: ApiClient) =>
  dataOf(client.rest.GET('/api/v1/devices', { params: { query: { limit: 10 } } }));

let sessions: SessionStore;
beforeEach(() => {
  localStorage.clear();
  sessions = new SessionStore(localStorage);
});

describe('apiErrorFromResponse', () => {
  it('keeps the API code and message and says what to do for the status', async () => {
    const error = await apiErrorFromResponse(
      json(403, { code: 'TWW_FORBIDDEN', message: 'your role (viewer) may not do this' }),
    );
    expect(error).toMatchObject({
      kind: 'forbidden',
      code: 'TWW_FORBIDDEN',
      message: 'your role (viewer) may not do this',
      hint: 'Ask an admin for a role that may do this.',
      status: 403,
    });
  });

  it.each([
    [400, 'invalid'],
    [404, 'not-found'],
    [409, 'conflict'],
    [413, 'invalid'],
    [429, 'rate-limited'],
    [500, 'server'],
    [503, 'unavailable'],
    [504, 'timeout'],
  ] as const)('maps %i to %s', async (status, kind) => {
    expect((await apiErrorFromResponse(json(status, { code: 'X', message: 'm' }))).kind).toBe(kind);
  });

  it('gives a code-specific remedy where one exists', async () => {
    const error = await apiErrorFromResponse(
      json(403, { code: 'TWW_ACL_DENIED', message: 'the access rules do not let you publish' }),
    );
    expect(error.hint).toMatch(/Access rules page/);
  });

  it('describes a body that is not an API error by its status', async () => {
    const error = await apiErrorFromResponse(
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(error).toMatchObject({ kind: 'server', code: 'HTTP_502', status: 502 });
    expect(error.message).toBe('the API answered 502 Bad Gateway');
  });
});

describe('ApiClient', () => {
  it('names the API address and config.json when the API cannot be reached', async () => {
    const client = new ApiClient({
      baseUrl: 'http://api.invalid:3000',
      sessions,
      fetchImpl: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    const error = await client.login('ada', 'right').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(describeError(error)).toEqual({
      message: 'cannot reach the API at http://api.invalid:3000 (Failed to fetch)',
      hint: expect.stringContaining('apiBaseUrl in config.json') as string,
    });
  });

  it('refuses a wrong password with the API message and stores no session', async () => {
    const api = fakeApi();
    const client = new ApiClient({ baseUrl: 'http://api', sessions, fetchImpl: api.fetchImpl });
    await expect(client.login('ada', 'wrong')).rejects.toMatchObject({
      kind: 'unauthorized',
      message: 'wrong username or password',
      hint: 'Check the username and password.',
    });
    expect(sessions.get()).toBeNull();
  });

  it('refreshes once for concurrent calls when the token was refused, then retries them', async () => {
    const api = fakeApi();
    const client = new ApiClient({ baseUrl: 'http://api', sessions, fetchImpl: api.fetchImpl });
    await client.login('ada', 'right');
    api.valid.clear(); // the server restarted with a new key: every old token is refused
    const results = await Promise.all([listDevices(client), listDevices(client)]);
    expect(results).toEqual([{ token: 'access-2' }, { token: 'access-2' }]);
    expect(api.calls.filter((call) => call.endsWith('/auth/refresh'))).toHaveLength(1);
    expect(sessions.get()?.refreshToken).toBe('refresh-2');
  });

  it('refreshes before sending when the token is about to expire', async () => {
    const api = fakeApi();
    let now = 1_000_000;
    const client = new ApiClient({
      baseUrl: 'http://api',
      sessions,
      fetchImpl: api.fetchImpl,
      now: () => now,
    });
    await client.login('ada', 'right');
    now += 890_000; // 10 s before expiry
    await listDevices(client);
    expect(api.calls).toEqual([
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/devices',
    ]);
  });

  it('ends the session when the refresh token is refused', async () => {
    const api = fakeApi();
    const client = new ApiClient({ baseUrl: 'http://api', sessions, fetchImpl: api.fetchImpl });
    await client.login('ada', 'right');
    sessions.set({ ...sessions.get()!, refreshToken: 'spent' });
    api.valid.clear();
    await expect(listDevices(client)).rejects.toMatchObject({
      code: 'TWW_SESSION_ENDED',
      kind: 'unauthorized',
    });
    expect(sessions.get()).toBeNull();
  });

  it('signs out locally even when the API cannot be reached', async () => {
    const api = fakeApi();
    let online = true;
    const client = new ApiClient({
      baseUrl: 'http://api',
      sessions,
      fetchImpl: (input, init) =>
        online ? api.fetchImpl(input, init) : Promise.reject(new TypeError('offline')),
    });
    await client.login('ada', 'right');
    online = false;
    await client.logout();
    expect(sessions.get()).toBeNull();
    expect(localStorage.length).toBe(0);
  });
});
