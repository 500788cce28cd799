import { verifyDeviceCredential } from '@twinwire/db/device-credentials';
import { deviceCredentials, devices } from '@twinwire/db/schema';
import { count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

interface Device {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  online: boolean;
  lastProtocol: string | null;
  lastSeenAt: string | null;
  createdAt: string;
}
interface Page {
  items: Device[];
  nextCursor: string | null;
  hasMore: boolean;
}
interface Issued {
  id: string;
  deviceId: string;
  secret: string;
  createdAt: string;
  connect: {
    mqtt: { clientId: string; username: string; password: string };
    websocket: {
      url: string;
      headers: { authorization: string };
      query: { device_id: string; secret: string };
    };
  };
}
interface ErrorBody {
  code: string;
  message: string;
}

let api: TestApi;
let admin: string;
let operator: string;
let viewer: string;

beforeAll(async () => {
  api = await buildTestApi();
  ({ admin, operator, viewer } = await api.roleTokens());
});
afterAll(() => api.close());

const call: TestApi['call'] = (method, url, token, payload) =>
  api.call(method, url, token, payload);

async function createDevice(id: string, name = `device ${id}`, metadata?: object) {
  const response = await call('POST', '/devices', operator, {
    id,
    name,
    ...(metadata ? { metadata } : {}),
  });
  expect(response.statusCode).toBe(201);
  return response.json<Device>();
}

async function listAll(query: string, limit: number): Promise<{ ids: string[]; pages: Page[] }> {
  const ids: string[] = [];
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/devices?limit=${limit}&${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await call('GET', url, viewer);
    expect(response.statusCode).toBe(200);
    const page = response.json<Page>();
    pages.push(page);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return { ids, pages };
}

describe('creating devices', () => {
  it('returns the new device with 201 and serves it afterwards', async () => {
    const response = await call('POST', '/devices', operator, {
      id: 'create-1',
      name: 'Boiler room',
      metadata: { site: 'north', floor: 2, tags: ['heat'] },
    });
    expect(response.statusCode).toBe(201);
    const device = response.json<Device>();
    expect(device).toEqual({
      id: 'create-1',
      name: 'Boiler room',
      metadata: { site: 'north', floor: 2, tags: ['heat'] },
      online: false,
      lastProtocol: null,
      lastSeenAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      tags: [],
      connection: null,
    });
    const fetched = await call('GET', '/devices/create-1', viewer);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(device);
  });

  it('defaults metadata to an empty object and accepts every allowed id character', async () => {
    const device = await createDevice('Az09_.:-x', 'all chars');
    expect(device.metadata).toEqual({});
  });

  it('refuses an id that exists with 409 TWW_CONFLICT', async () => {
    await createDevice('dup-1');
    const again = await call('POST', '/devices', admin, { id: 'dup-1', name: 'other' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({
      code: 'TWW_CONFLICT',
      message: "device 'dup-1' already exists; choose another id",
    });
  });

  it.each([
    ['a/b', /^body\/id: must match pattern/],
    ['+', /^body\/id: must match pattern/],
    ['#', /^body\/id: must match pattern/],
    ['x'.repeat(65), /^body\/id: must NOT have more than 64 characters/],
    ['', /^body\/id: must NOT have fewer than 1 characters/],
    ["x'; DROP TABLE devices; --", /^body\/id: must match pattern/],
  ])('refuses the invalid id %j with 400 naming the rule', async (id, message) => {
    const response = await call('POST', '/devices', operator, { id, name: 'bad' });
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorBody>();
    expect(body.code).toBe('TWW_VALIDATION');
    expect(body.message).toMatch(message);
  });

  it('refuses wrong types, missing fields and unknown fields, naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ id: 5, name: 'x' }, /^body\/id: must be string/],
      [{ id: 'types-1', name: 7 }, /^body\/name: must be string/],
      [{ id: 'types-1', name: '' }, /^body\/name: must NOT have fewer than 1 characters/],
      [{ id: 'types-1', name: 'x', metadata: [1] }, /^body\/metadata: must be object/],
      [{ id: 'types-1', name: 'x', metadata: 'x' }, /^body\/metadata: must be object/],
      [{ id: 'types-1' }, /^body: must have required property 'name'/],
      [{ id: 'types-1', name: 'x', online: true }, /^body: unknown parameter "online"/],
    ];
    for (const [payload, message] of cases) {
      const response = await call('POST', '/devices', operator, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<ErrorBody>().message).toMatch(message);
    }
    const [{ value }] = (await api.database.db
      .select({ value: count() })
      .from(devices)
      .where(eq(devices.id, 'types-1'))) as [{ value: number }];
    expect(value).toBe(0);
  });

  it('refuses metadata over 16 KiB with 400 and a body over the limit with 413', async () => {
    const big = await call('POST', '/devices', operator, {
      id: 'big-1',
      name: 'x',
      metadata: { blob: 'x'.repeat(20_000) },
    });
    expect(big.statusCode).toBe(400);
    expect(big.json()).toMatchObject({ code: 'TWW_INVALID_REQUEST' });
    expect(big.json<ErrorBody>().message).toMatch(/metadata/);
    const tooMany = await call('POST', '/devices', operator, {
      id: 'big-1',
      name: 'x',
      metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])),
    });
    expect(tooMany.statusCode).toBe(400);
    const huge = await api.app.inject({
      method: 'POST',
      url: '/api/v1/devices',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ id: 'big-1', name: 'x'.repeat(2_000_000) }),
    });
    expect(huge.statusCode).toBe(413);
    expect((await call('GET', '/devices/big-1', viewer)).statusCode).toBe(404);
  });

  it('is for operators and admins: a viewer gets 403, no token 401', async () => {
    const asViewer = await call('POST', '/devices', viewer, { id: 'role-1', name: 'x' });
    expect(asViewer.statusCode).toBe(403);
    expect(asViewer.json()).toEqual({
      code: 'TWW_FORBIDDEN',
      message: 'your role (viewer) may not do this',
    });
    const anonymous = await call('POST', '/devices', undefined, { id: 'role-1', name: 'x' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<ErrorBody>().code).toBe('TWW_UNAUTHORIZED');
    expect((await call('POST', '/devices', admin, { id: 'role-1', name: 'x' })).statusCode).toBe(
      201,
    );
  });
});

describe('listing devices', () => {
  it('pages through every device exactly once, with hasMore right on each page', async () => {
    const ids = Array.from({ length: 23 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    for (const id of [...ids].reverse()) await createDevice(id);
    const { ids: seen, pages } = await listAll('q=page-', 5);
    expect(seen).toEqual(ids);
    expect(pages.map((page) => page.items.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.map((page) => page.hasMore)).toEqual([true, true, true, true, false]);
    expect(pages.at(-1)?.nextCursor).toBeNull();

    // A last page that is exactly full still says there is no more.
    const exact = await listAll('q=page-', 23);
    expect(exact.pages).toHaveLength(1);
    expect(exact.pages[0]).toMatchObject({ hasMore: false, nextCursor: null });
    const all = await listAll('', 200);
    expect(new Set(all.ids).size).toBe(all.ids.length);
    expect(all.ids).toEqual(expect.arrayContaining(ids));
  });

  it('defaults to 50 per page and caps limit at 1..200', async () => {
    for (let i = 0; i < 52; i += 1) await createDevice(`bulk-${String(i).padStart(2, '0')}`);
    const first = (await call('GET', '/devices?q=bulk-', viewer)).json<Page>();
    expect(first.items).toHaveLength(50);
    expect(first.hasMore).toBe(true);
    for (const limit of ['0', '-1', '201', '1000000000000', '1.5', 'ten', '']) {
      const response = await call('GET', `/devices?limit=${limit}`, viewer);
      expect(response.statusCode, limit).toBe(400);
      expect(response.json<ErrorBody>().message).toMatch(/^querystring\/limit: /);
    }
  });

  it('refuses unknown query parameters, naming them', async () => {
    const response = await call('GET', '/devices?limit=5&sort=name', viewer);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'TWW_VALIDATION',
      message:
        'querystring: unknown parameter "sort"; this route accepts limit, cursor, q, online, tag',
    });
    const one = await call('GET', '/devices/create-1?expand=1', viewer);
    expect(one.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'querystring: unknown parameter "expand"; this route takes no query parameters',
    });
  });

  it('refuses a cursor it did not issue', async () => {
    for (const cursor of ['not*base64', Buffer.from('a/b').toString('base64url'), 'AA']) {
      const response = await call('GET', `/devices?cursor=${encodeURIComponent(cursor)}`, viewer);
      expect(response.statusCode, cursor).toBe(400);
      expect(response.json<ErrorBody>().message).toMatch(/cursor/);
    }
  });

  it('finds a case-insensitive substring of the id or the name', async () => {
    await createDevice('find-alpha', 'Pump in the BASEMENT');
    await createDevice('find-beta', 'roof fan');
    const byName = (await call('GET', '/devices?q=basement', viewer)).json<Page>();
    expect(byName.items.map((item) => item.id)).toEqual(['find-alpha']);
    const byId = (await call('GET', '/devices?q=FIND-B', viewer)).json<Page>();
    expect(byId.items.map((item) => item.id)).toEqual(['find-beta']);
  });

  it('treats LIKE wildcards and SQL in q as plain text', async () => {
    await createDevice('lit-a_b', 'under_score');
    await createDevice('lit-axb', 'axb');
    await createDevice('lit-pct', '100% sure');
    await createDevice('lit-bs', 'back\\slash');
    const ids = async (q: string) =>
      (await call('GET', `/devices?q=${encodeURIComponent(q)}`, viewer))
        .json<Page>()
        .items.map((item) => item.id);
    expect(await ids('a_b')).toEqual(['lit-a_b']);
    expect(await ids('%')).toEqual(['lit-pct']);
    expect(await ids('\\')).toEqual(['lit-bs']);
    expect(await ids("'; DROP TABLE devices; --")).toEqual([]);
    expect(await ids("' OR '1'='1")).toEqual([]);
    const [{ value }] = (await api.database.db
      .select({ value: count() })
      .from(devices)
      .where(like(devices.id, 'lit-%'))) as [{ value: number }];
    expect(value).toBe(4);
  });

  it('filters by online, and refuses a value that is not a boolean', async () => {
    await createDevice('onl-up');
    await createDevice('onl-down');
    const seenAt = new Date('2025-01-02T03:04:05.000Z');
    await api.database.db
      .update(devices)
      .set({ online: true, lastProtocol: 'mqtt', lastSeenAt: seenAt })
      .where(eq(devices.id, 'onl-up'));
    const online = (await call('GET', '/devices?q=onl-&online=true', viewer)).json<Page>();
    expect(online.items).toEqual([
      expect.objectContaining({
        id: 'onl-up',
        online: true,
        lastProtocol: 'mqtt',
        lastSeenAt: '2025-01-02T03:04:05.000Z',
      }),
    ]);
    const offline = (await call('GET', '/devices?q=onl-&online=false', viewer)).json<Page>();
    expect(offline.items.map((item) => item.id)).toEqual(['onl-down']);
    const bad = await call('GET', '/devices?online=maybe', viewer);
    expect(bad.statusCode).toBe(400);
    expect(bad.json<ErrorBody>().message).toMatch(/^querystring\/online: must be boolean/);
  });

  it('needs a token', async () => {
    expect((await call('GET', '/devices', undefined)).statusCode).toBe(401);
  });
});

describe('one device', () => {
  it('answers an unknown id with 404 TWW_NOT_FOUND', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await call(method, '/devices/nobody', operator);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        code: 'TWW_NOT_FOUND',
        message: "device 'nobody' not found",
      });
    }
    const patch = await call('PATCH', '/devices/nobody', operator, { name: 'x' });
    expect(patch.statusCode).toBe(404);
  });

  it('refuses an invalid id in the path with 400', async () => {
    for (const id of ['a%2Fb', '%2B', '%23', 'x'.repeat(65), '%27%3B%20DROP%20TABLE%20devices']) {
      const response = await call('GET', `/devices/${id}`, viewer);
      expect(response.statusCode, id).toBe(400);
      expect(response.json<ErrorBody>().message).toMatch(/^params\/id: /);
    }
  });

  it('updates the name or replaces the metadata', async () => {
    const created = await createDevice('patch-1', 'old', { a: 1, b: 2 });
    const renamed = await call('PATCH', '/devices/patch-1', operator, { name: 'new' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toEqual({ ...created, name: 'new' });
    const relabelled = await call('PATCH', '/devices/patch-1', admin, { metadata: { c: 3 } });
    expect(relabelled.json()).toEqual({ ...created, name: 'new', metadata: { c: 3 } });
  });

  it('refuses an empty, unknown-field or wrongly typed update, and viewers', async () => {
    await createDevice('patch-2', 'keep');
    const cases: [unknown, RegExp][] = [
      [{}, /^body: must NOT have fewer than 1 properties/],
      [{ id: 'other' }, /^body: unknown parameter "id"/],
      [{ name: null }, /^body\/name: must be string/],
      [{ metadata: null }, /^body\/metadata: must be object/],
    ];
    for (const [payload, message] of cases) {
      const response = await call('PATCH', '/devices/patch-2', operator, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<ErrorBody>().message).toMatch(message);
    }
    expect((await call('PATCH', '/devices/patch-2', viewer, { name: 'x' })).statusCode).toBe(403);
    expect((await call('GET', '/devices/patch-2', viewer)).json<Device>().name).toBe('keep');
  });

  it('deletes with 204, its credentials with it; viewers may not', async () => {
    await createDevice('del-1');
    expect((await call('POST', '/devices/del-1/credentials', operator)).statusCode).toBe(201);
    expect((await call('DELETE', '/devices/del-1', viewer)).statusCode).toBe(403);
    const deleted = await call('DELETE', '/devices/del-1', operator);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await call('GET', '/devices/del-1', viewer)).statusCode).toBe(404);
    expect((await call('DELETE', '/devices/del-1', operator)).statusCode).toBe(404);
    const left = await api.database.db
      .select()
      .from(deviceCredentials)
      .where(eq(deviceCredentials.deviceId, 'del-1'));
    expect(left).toEqual([]);
  });
});

describe('device credentials', () => {
  it('issue a secret shown once, with ready connection settings', async () => {
    await createDevice('cred-1');
    const response = await call('POST', '/devices/cred-1/credentials', operator);
    expect(response.statusCode).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const issued = response.json<Issued>();
    expect(issued).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      deviceId: 'cred-1',
      // `<credential id>.<32 random bytes>`: the secret names its credential (issue #13.2).
      secret: expect.stringMatching(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/) as string,
      createdAt: expect.stringMatching(/^\d{4}-/) as string,
      connect: {
        mqtt: { clientId: 'cred-1', username: 'cred-1', password: issued.secret },
        websocket: {
          url: '/ws/device',
          headers: {
            authorization: `Basic ${Buffer.from(`cred-1:${issued.secret}`).toString('base64')}`,
          },
          query: { device_id: 'cred-1', secret: issued.secret },
        },
      },
    });
    // The secret works, and is stored only as a hash.
    expect(await verifyDeviceCredential(api.database.db, 'cred-1', issued.secret)).toBe(issued.id);
    const rows = await api.database.pool.query<Record<string, unknown>>(
      'SELECT * FROM device_credentials WHERE device_id = $1',
      ['cred-1'],
    );
    expect(rows.rows).toHaveLength(1);
    expect(JSON.stringify(rows.rows)).not.toContain(issued.secret);

    // Never again: not in the list, not in the device.
    const list = await call('GET', '/devices/cred-1/credentials', viewer);
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      items: [{ id: issued.id, createdAt: issued.createdAt, revokedAt: null }],
    });
    expect(list.body).not.toContain(issued.secret);
    expect(list.body).not.toContain('scrypt');
    expect((await call('GET', '/devices/cred-1', viewer)).body).not.toContain(issued.secret);
    expect((await call('GET', '/devices?q=cred-', viewer)).body).not.toContain(issued.secret);
  });

  it('issue a fresh secret each time', async () => {
    await createDevice('cred-2');
    const first = (await call('POST', '/devices/cred-2/credentials', operator)).json<Issued>();
    const second = (await call('POST', '/devices/cred-2/credentials', admin)).json<Issued>();
    expect(second.id).not.toBe(first.id);
    expect(second.secret).not.toBe(first.secret);
    const list = (await call('GET', '/devices/cred-2/credentials', viewer)).json<{
      items: { id: string }[];
    }>();
    expect(list.items.map((item) => item.id).sort()).toEqual([first.id, second.id].sort());
  });

  it('are only for known devices and for operators', async () => {
    const unknown = await call('POST', '/devices/ghost/credentials', operator);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ErrorBody>().code).toBe('TWW_NOT_FOUND');
    expect((await call('GET', '/devices/ghost/credentials', viewer)).statusCode).toBe(404);
    await createDevice('cred-3');
    expect((await call('POST', '/devices/cred-3/credentials', viewer)).statusCode).toBe(403);
    expect((await call('POST', '/devices/cred-3/credentials', undefined)).statusCode).toBe(401);
    expect((await call('POST', '/devices/a%2Fb/credentials', operator)).statusCode).toBe(400);
    const extra = await call('POST', '/devices/cred-3/credentials?secret=mine', operator);
    expect(extra.json<ErrorBody>().message).toBe(
      'querystring: unknown parameter "secret"; this route takes no query parameters',
    );
  });

  it('revoke with 204: the secret stops working and the list shows when', async () => {
    await createDevice('rev-1');
    const issued = (await call('POST', '/devices/rev-1/credentials', operator)).json<Issued>();
    expect(
      (await call('DELETE', `/devices/rev-1/credentials/${issued.id}`, viewer)).statusCode,
    ).toBe(403);
    const revoked = await call('DELETE', `/devices/rev-1/credentials/${issued.id}`, operator);
    expect(revoked.statusCode).toBe(204);
    expect(await verifyDeviceCredential(api.database.db, 'rev-1', issued.secret)).toBeNull();
    const list = (await call('GET', '/devices/rev-1/credentials', viewer)).json<{
      items: { id: string; revokedAt: string | null }[];
    }>();
    expect(list.items).toEqual([
      expect.objectContaining({
        id: issued.id,
        revokedAt: expect.stringMatching(/^\d{4}-/) as string,
      }),
    ]);
    // Revoking again changes nothing.
    expect(
      (await call('DELETE', `/devices/rev-1/credentials/${issued.id}`, operator)).statusCode,
    ).toBe(204);
  });

  it("refuse another device's credential id with 404 and leave it active", async () => {
    await createDevice('own-a');
    await createDevice('own-b');
    const ofB = (await call('POST', '/devices/own-b/credentials', operator)).json<Issued>();
    const response = await call('DELETE', `/devices/own-a/credentials/${ofB.id}`, operator);
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorBody>().code).toBe('TWW_NOT_FOUND');
    expect(await verifyDeviceCredential(api.database.db, 'own-b', ofB.secret)).toBe(ofB.id);
    const made = await call(
      'DELETE',
      '/devices/own-a/credentials/00000000-0000-4000-8000-000000000000',
      operator,
    );
    expect(made.statusCode).toBe(404);
    const notUuid = await call('DELETE', "/devices/own-a/credentials/1'%20OR%20'1'='1", operator);
    expect(notUuid.statusCode).toBe(400);
    expect(notUuid.json<ErrorBody>().message).toMatch(/^params\/credentialId: must match format/);
  });
});

describe('OpenAPI', () => {
  it('documents the device routes', async () => {
    const spec = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/devices',
        '/api/v1/devices/{id}',
        '/api/v1/devices/{id}/credentials',
        '/api/v1/devices/{id}/credentials/{credentialId}',
      ]),
    );
  });
});
