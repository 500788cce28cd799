import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startPlatform, type Platform } from '../src/start-platform.ts';

let database: TestDatabase;
let platform: Platform;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  platform = await startPlatform({ databaseUrl: database.url });
});
afterAll(async () => {
  await platform.close();
  await database.drop();
});

async function api(
  path: string,
  init: { method?: string; token?: string; body?: unknown },
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${platform.urls.api}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('startPlatform', () => {
  it('creates the first admin with a random password and reports every URL on loopback', () => {
    expect(platform.admin?.username).toBe('admin');
    expect(platform.admin?.password.length).toBeGreaterThanOrEqual(12);
    for (const url of Object.values(platform.urls)) expect(url).toMatch(/\/\/127\.0\.0\.1:\d+/);
  });

  it('links broker and API: a reading sent over MQTT is stored and readable over REST', async () => {
    const { admin } = platform;
    if (!admin) throw new Error('no admin');
    const login = await api('/auth/login', { method: 'POST', body: admin });
    const { accessToken: token } = login.body as { accessToken: string };
    expect(
      (await api('/devices', { method: 'POST', token, body: { id: 'pump-1', name: 'Pump 1' } }))
        .status,
    ).toBe(201);
    const credential = await api('/devices/pump-1/credentials', { method: 'POST', token });
    const { secret } = credential.body as { secret: string };
    const device = await mqtt.connectAsync(platform.urls.mqtt, {
      clientId: 'pump-1',
      username: 'pump-1',
      password: secret,
      reconnectPeriod: 0,
    });
    const ts = Date.now();
    await device.publishAsync(
      'devices/pump-1/telemetry',
      JSON.stringify({ ts, seq: 1, metrics: { pressure: 2.5 } }),
      { qos: 1 },
    );
    await device.endAsync();
    const stored = await api(`/devices/pump-1/telemetry?from=${ts - 1000}&to=${ts + 1000}`, {
      token,
    });
    expect((stored.body as { items: unknown[] }).items).toEqual([
      { ts, seq: 1, metrics: { pressure: 2.5 } },
    ]);
  });

  it('keeps an existing user base: a second start over the same database creates no admin', async () => {
    const again = await startPlatform({ databaseUrl: database.url });
    try {
      expect(again.admin).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it('runs on an open database it is given, creates no admin when told not to, and leaves that database open', async () => {
    const own = await createTestDatabase(inject('postgresUrl'));
    try {
      const given = await startPlatform({ database: { client: own, url: own.url }, admin: false });
      expect(given.admin).toBeUndefined();
      expect(given.databaseUrl).toBe(own.url);
      await given.close();
      const { rows } = await own.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await own.drop();
    }
  });
});
