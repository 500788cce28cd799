// MQTT clients across brokers through the API: the list (filters, pages), one client, the
// brokers, and the two actions, performed by a real broker on the same database.
import { heartbeatBroker, upsertClients } from '@twinwire/db/client-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/with-broker.ts';

interface ClientView {
  clientId: string;
  state: string;
  brokerId: string;
  principal: { kind: string; id: string; username: string | null; role: string };
  protocol: string;
  protocolVersion: number;
  subscriptions: { filter: string; qos: number }[];
  inflight: number | null;
  queued: number | null;
}
interface Page {
  items: ClientView[];
  nextCursor: string | null;
  hasMore: boolean;
  counts: { connected: number; offline: number; stale: number };
}

let stack: Stack;
let operator: string;
let viewer: string;
beforeAll(async () => {
  stack = await startStack();
  operator = await stack.tokenFor('operator');
  viewer = await stack.tokenFor('viewer');
});
afterAll(() => stack.close());

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, token = operator) =>
  stack.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
const one = (clientId: string) => call('GET', `/clients/${encodeURIComponent(clientId)}`);

describe('reading clients', () => {
  it('lists a connected device with its principal, listener and subscriptions, and the API’s own service client', async () => {
    const { deviceId, secret } = await stack.provision('api-clients-1');
    const device = await stack.mqttDevice(deviceId, secret);
    await device.subscribeAsync(`devices/${deviceId}/commands/+`, { qos: 1 });
    await expect
      .poll(async () => (await one(deviceId)).json<ClientView>().subscriptions)
      .toEqual([{ filter: `devices/${deviceId}/commands/+`, qos: 1 }]);
    expect((await one(deviceId)).json()).toMatchObject({
      state: 'connected',
      brokerId: stack.broker.aedes.id,
      principal: { kind: 'device', id: deviceId, role: 'device' },
      protocol: 'mqtt',
      protocolVersion: 4,
    });
    const services = (await call('GET', '/clients?principalKind=service')).json<Page>();
    expect(services.items.length).toBeGreaterThan(0);
    expect(services.items.every((item) => item.clientId.startsWith('service/'))).toBe(true);
    expect(services.counts.connected).toBeGreaterThanOrEqual(2);
  });

  it('pages through clients with a cursor, and filters by text and state', async () => {
    await heartbeatBroker(stack.database.db, {
      brokerId: 'paging-broker',
      startedAt: Date.now(),
      intervalMs: 60_000,
      sharedSessions: false,
    });
    const row = (clientId: string) => ({
      clientId,
      brokerId: 'paging-broker',
      principalKind: 'device' as const,
      principalId: clientId,
      principalUsername: null,
      principalRole: 'device',
      protocol: 'mqtt-tls',
      protocolVersion: 4,
      remoteAddress: null,
      keepaliveS: 60,
      cleanSession: false,
      sessionExpiryS: null,
      connected: false,
      connectedAt: Date.now() - 1000,
      disconnectedAt: Date.now(),
      subscriptions: [],
      subscriptionCount: 0,
      inflight: 0,
      queued: 2,
    });
    await upsertClients(
      stack.database.db,
      Array.from({ length: 7 }, (_, i) => row(`paged-${i}`)),
    );
    const seen: string[] = [];
    let url = '/clients?limit=3&q=paged-&state=offline';
    for (;;) {
      const page = (await call('GET', url)).json<Page>();
      seen.push(...page.items.map((item) => item.clientId));
      if (!page.nextCursor) break;
      url = `/clients?limit=3&q=paged-&state=offline&cursor=${page.nextCursor}`;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `paged-${i}`));
    const brokers = (await call('GET', '/brokers')).json<{
      items: { brokerId: string; offline: number }[];
    }>();
    expect(brokers.items.find((broker) => broker.brokerId === 'paging-broker')?.offline).toBe(7);
  });

  it('refuses viewers, bad filters and unknown clients', async () => {
    expect((await call('GET', '/clients', viewer)).statusCode).toBe(403);
    expect((await call('GET', '/clients?state=gone')).json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'querystring/state: must be one of: connected, offline, stale',
    });
    expect((await one('nobody')).statusCode).toBe(404);
    expect((await call('GET', '/clients?cursor=%%%')).statusCode).toBe(400);
  });
});

describe('actions', () => {
  it('disconnects a connected client (204 once the broker confirms); a clean session is then gone (404)', async () => {
    const { deviceId, secret } = await stack.provision('api-kick');
    const device = await stack.mqttDevice(deviceId, secret);
    await expect.poll(async () => (await one(deviceId)).statusCode).toBe(200);
    const closed = new Promise<void>((resolve) => device.once('close', resolve));
    const response = await call('POST', `/clients/${deviceId}/disconnect`);
    expect(response.statusCode).toBe(204);
    await closed;
    // A clean session ends with its connection: nothing left to disconnect.
    expect((await one(deviceId)).statusCode).toBe(404);
    expect((await call('POST', `/clients/${deviceId}/disconnect`)).statusCode).toBe(404);
  });

  it('answers 409 for an offline session, and clears it with 204', async () => {
    const { deviceId, secret } = await stack.provision('api-session');
    const device = await stack.mqtt({
      clientId: deviceId,
      username: deviceId,
      password: secret,
      clean: false,
    });
    await device.subscribeAsync(`devices/${deviceId}/commands/#`, { qos: 1 });
    await device.endAsync();
    await expect.poll(async () => (await one(deviceId)).json<ClientView>().state).toBe('offline');
    const refused = await call('POST', `/clients/${deviceId}/disconnect`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ message: string }>().message).toBe(
      `client '${deviceId}' is not connected; its session is offline`,
    );
    expect((await call('DELETE', `/clients/${deviceId}/session`)).statusCode).toBe(204);
    expect((await one(deviceId)).statusCode).toBe(404);
  });

  it('clears the session of a client whose id holds a slash (a user client)', async () => {
    const username = 'clients-user';
    await stack.tokenFor('operator');
    const { createUser } = await import('@twinwire/db/users');
    await createUser(stack.database.db, { username, password: 'clients-user-pw', role: 'viewer' });
    const client = await stack.mqtt({
      clientId: 'user/clients-dash',
      username,
      password: 'clients-user-pw',
      clean: false,
    });
    await expect.poll(async () => (await one('user/clients-dash')).statusCode).toBe(200);
    const closed = new Promise<void>((resolve) => client.once('close', resolve));
    expect((await call('DELETE', '/clients/user%2Fclients-dash/session')).statusCode).toBe(204);
    await closed;
  });
});
