// The client against a real HTTP server on a loopback port: the bearer token on each call,
// one retry with a refreshed token on 401 (the body sent again intact), and every failure
// thrown with the API's code.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, expectTypeOf, it } from 'vitest';
import {
  ApiResponseError,
  createApiClient,
  dataOf,
  type BodyOf,
  type ResponseOf,
} from '../src/client.ts';

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
/** Access tokens the server accepts. */
const valid = new Set(['fresh']);

const read = async (request: IncomingMessage) => {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
};

beforeAll(async () => {
  server = createServer((request, response) => {
    void read(request).then((body) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      const authorization = request.headers.authorization;
      seen.push({ method: request.method ?? '', path, authorization, body });
      response.setHeader('content-type', 'application/json');
      if (path === '/api/v1/auth/login') {
        response.end(JSON.stringify({ accessToken: 'stale' }));
        return;
      }
      if (!valid.has(authorization?.replace(/^Bearer /, '') ?? '')) {
        response.statusCode = 401;
        response.end(JSON.stringify({ code: 'TWW_UNAUTHORIZED', message: 'token expired' }));
        return;
      }
      if (path === '/api/v1/devices' && request.method === 'POST') {
        response.statusCode = 409;
        response.end(JSON.stringify({ code: 'TWW_CONFLICT', message: 'device d1 exists' }));
        return;
      }
      response.end(JSON.stringify({ echo: body }));
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    }),
);

it('derives short names from the generated operations', () => {
  expectTypeOf<ResponseOf<'signIn'>>().toHaveProperty('accessToken').toEqualTypeOf<string>();
  expectTypeOf<BodyOf<'createDevice'>>().toHaveProperty('id').toEqualTypeOf<string>();
  expectTypeOf<ResponseOf<'listDevices'>['items'][number]['tags']>().toEqualTypeOf<string[]>();
});

it('sends no token to sign in, then the token on each call, refreshing it once on 401', async () => {
  seen.length = 0;
  let token = 'none';
  let refreshes = 0;
  const api = createApiClient({
    baseUrl,
    getToken: () => token,
    refreshToken: () => {
      refreshes += 1;
      token = 'fresh';
      return Promise.resolve(token);
    },
  });
  const session = await dataOf(
    api.POST('/api/v1/auth/login', { body: { username: 'ada', password: 'pw' } }),
  );
  token = session.accessToken;
  const answer = await dataOf(
    api.PATCH('/api/v1/devices/{id}', { params: { path: { id: 'd:1' } }, body: { name: 'n' } }),
  );
  expect(answer).toEqual({ echo: '{"name":"n"}' });
  expect(refreshes).toBe(1);
  expect(seen.map(({ method, path, authorization }) => [method, path, authorization])).toEqual([
    ['POST', '/api/v1/auth/login', undefined],
    ['PATCH', '/api/v1/devices/d%3A1', 'Bearer stale'],
    ['PATCH', '/api/v1/devices/d%3A1', 'Bearer fresh'],
  ]);
  expect(seen[2]?.body).toBe('{"name":"n"}');
});

it('throws the API code and message of a refused call', async () => {
  const api = createApiClient({ baseUrl, getToken: () => 'fresh' });
  const error = await api
    .POST('/api/v1/devices', { body: { id: 'd1', name: 'one' } })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ApiResponseError);
  expect(error).toMatchObject({
    status: 409,
    code: 'TWW_CONFLICT',
    message: 'POST /api/v1/devices: device d1 exists',
  });
});

it('fails a 401 when it cannot refresh', async () => {
  const api = createApiClient({ baseUrl, getToken: () => 'stale' });
  await expect(
    api.GET('/api/v1/devices', { params: { query: { limit: 1 } } }),
  ).rejects.toMatchObject({ status: 401, code: 'TWW_UNAUTHORIZED' });
});

it('says which call found nothing listening', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => {
    closed.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => {
    closed.close(() => {
      resolve();
    });
  });
  const api = createApiClient({ baseUrl: url });
  await expect(api.GET('/healthz')).rejects.toMatchObject({
    status: 0,
    code: 'TWW_UNREACHABLE',
    message: expect.stringMatching(
      /^GET http:\/\/127\.0\.0\.1:\d+\/healthz: .*ECONNREFUSED/,
    ) as string,
  });
});
