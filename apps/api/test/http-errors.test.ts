// Framework-level refusals (CORS preflight, bad JSON, content type, size, enums, unknown query
// parameters) leave in the API's own { code, message } scheme, through app.inject().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

const ORIGIN = 'http://localhost:5173';
let api: TestApi;
let admin: string;

beforeAll(async () => {
  api = await buildTestApi({ BODY_LIMIT_BYTES: '4096' });
  admin = await api.tokenFor('admin');
});
afterAll(() => api.close());

const preflight = (method: string, headers = 'authorization,content-type', origin = ORIGIN) =>
  api.app.inject({
    method: 'OPTIONS',
    url: '/api/v1/acl/rules/some-id',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });

describe('CORS preflight', () => {
  it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])(
    'allows %s with the authorization and content-type headers the admin UI sends',
    async (method) => {
      const response = await preflight(method);
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
      const methods = String(response.headers['access-control-allow-methods']).split(/\s*,\s*/);
      expect(methods).toContain(method);
      const headers = String(response.headers['access-control-allow-headers'])
        .toLowerCase()
        .split(/\s*,\s*/);
      expect(headers).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    },
  );

  it('gives an origin that is not allowed no CORS headers', async () => {
    const response = await preflight('DELETE', 'authorization', 'http://evil.example');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the browser read a download’s file name', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: ORIGIN },
    });
    expect(String(response.headers['access-control-expose-headers'])).toContain(
      'content-disposition',
    );
  });
});

describe('request bodies', () => {
  const post = (payload: string, headers: Record<string, string>) =>
    api.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { authorization: `Bearer ${admin}`, ...headers },
      payload,
    });

  it('answers invalid JSON with 400 TWW_INVALID_JSON', async () => {
    const response = await post('{"id": "x",', { 'content-type': 'application/json' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'TWW_INVALID_JSON',
      message: 'the body is not valid JSON: check its quotes, commas and brackets',
    });
  });

  it('answers an empty JSON body with 400 TWW_INVALID_JSON', async () => {
    const response = await post('', { 'content-type': 'application/json' });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ code: string }>().code).toBe('TWW_INVALID_JSON');
  });

  it('answers a body without a content type with 415 TWW_UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { authorization: `Bearer ${admin}` },
      body: Buffer.from('{"id":"a","name":"b"}'),
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({
      code: 'TWW_UNSUPPORTED_MEDIA_TYPE',
      message:
        'the request has a body but no content-type; send the body as JSON with content-type: application/json',
    });
  });

  it('answers a body of another content type with 415, naming it', async () => {
    const response = await post('id=a', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.statusCode).toBe(415);
    expect(response.json<{ code: string; message: string }>()).toMatchObject({
      code: 'TWW_UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('content-type application/x-www-form-urlencoded') as string,
    });
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 TWW_BODY_TOO_LARGE', async () => {
    const response = await post(JSON.stringify({ id: 'big', name: 'x'.repeat(5000) }), {
      'content-type': 'application/json',
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({
      code: 'TWW_BODY_TOO_LARGE',
      message: 'the body is larger than the 4096 bytes this API accepts (BODY_LIMIT_BYTES)',
    });
  });
});

describe('validation messages', () => {
  it('names the allowed values of an enum once', async () => {
    const response = await api.call('POST', '/acl/rules', admin, {
      effect: 'maybe',
      action: 'publish',
      topic: 'a/b',
      role: 'viewer',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'body/effect: must be one of: allow, deny',
    });
  });

  it('names the allowed values of a union of constants once, not once per constant', async () => {
    const response = await api.call('GET', '/devices/any/telemetry/buckets?mode=fastest', admin);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'querystring/mode: must be one of: envelope, lttb',
    });
  });

  it('refuses an unknown query parameter, naming it and the accepted ones', async () => {
    const response = await api.call('GET', '/devices?limt=5', admin);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: expect.stringMatching(
        /^querystring: unknown parameter "limt"; this route accepts limit, cursor, q, online/,
      ) as string,
    });
    const none = await api.call('GET', '/devices/some-device?verbose=1', admin);
    expect(none.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'querystring: unknown parameter "verbose"; this route takes no query parameters',
    });
  });
});

describe('coded 5xx answers', () => {
  const brokerUnavailable = {
    code: 'TWW_BROKER_UNAVAILABLE',
    message: 'the message broker is unreachable right now; retry in a few seconds',
  };

  it('answers a command without a broker connection 503 TWW_BROKER_UNAVAILABLE, saying what to do', async () => {
    const device = `no-broker-${Date.now()}`;
    expect(
      (await api.call('POST', '/devices', admin, { id: device, name: device })).statusCode,
    ).toBe(201);
    const response = await api.call('POST', `/devices/${device}/commands/reboot`, admin, {});
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual(brokerUnavailable);
  });

  it('refuses a live stream without a broker connection 503 before the upgrade', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/ws/live?access_token=${admin}`,
      headers: { origin: ORIGIN },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual(brokerUnavailable);
  });
});
