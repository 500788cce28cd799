// The registry of MQTT clients across brokers: ordered writes, broker liveness, stale rows.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { countClients, listBrokers, listClients, readClient } from '../src/client-queries.ts';
import {
  collectStoppedBrokers,
  heartbeatBroker,
  parseClientAction,
  removeClients,
  settlePreviousRun,
  upsertClients,
  type ClientRow,
} from '../src/client-registry.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());
beforeEach(async () => {
  await database.pool.query('TRUNCATE mqtt_clients, mqtt_brokers');
});

const T0 = Date.parse('2026-12-01T10:00:00Z');

function row(clientId: string, overrides: Partial<ClientRow> = {}): ClientRow {
  return {
    clientId,
    brokerId: 'broker-a',
    principalKind: 'device',
    principalId: clientId,
    principalUsername: null,
    principalRole: 'device',
    protocol: 'mqtt',
    protocolVersion: 4,
    remoteAddress: '127.0.0.1:50000',
    keepaliveS: 60,
    cleanSession: false,
    sessionExpiryS: null,
    connected: true,
    connectedAt: T0,
    disconnectedAt: null,
    subscriptions: [{ filter: `devices/${clientId}/commands/+`, qos: 1 }],
    subscriptionCount: 1,
    inflight: 0,
    queued: 0,
    ...overrides,
  };
}

const heartbeat = (brokerId: string, sharedSessions = false) =>
  heartbeatBroker(database.db, { brokerId, startedAt: T0, intervalMs: 10_000, sharedSessions });

/** Moves a broker's heartbeat into the past, as if it had stopped `seconds` ago. */
const stopped = (brokerId: string, seconds: number) =>
  database.pool.query(
    `UPDATE mqtt_brokers SET heartbeat_at = now() - $2 * interval '1 second' WHERE broker_id = $1`,
    [brokerId, seconds],
  );

describe('writes', () => {
  it('keeps the newest connection of a client id whatever order the brokers write in', async () => {
    await heartbeat('broker-a');
    await heartbeat('broker-b');
    // The client moved from a to b; b's connect lands first, a's late offline write second.
    await upsertClients(database.db, [
      row('pump-1', { brokerId: 'broker-b', connectedAt: T0 + 5000 }),
    ]);
    await upsertClients(database.db, [
      row('pump-1', { connected: false, disconnectedAt: T0 + 5001, connectedAt: T0 }),
    ]);
    expect(await readClient(database.db, 'pump-1')).toMatchObject({
      brokerId: 'broker-b',
      state: 'connected',
      connectedAt: new Date(T0 + 5000),
    });
    // A removal for the old connection leaves the new one; one for the new connection removes it.
    await removeClients(database.db, [{ clientId: 'pump-1', connectedAt: T0 }]);
    expect(await readClient(database.db, 'pump-1')).toBeDefined();
    await removeClients(database.db, [{ clientId: 'pump-1', connectedAt: T0 + 5000 }]);
    expect(await readClient(database.db, 'pump-1')).toBeUndefined();
  });

  it('writes thousands of clients in a few statements, and reads them back page by page', async () => {
    await heartbeat('broker-a');
    const rows = Array.from({ length: 2500 }, (_, i) => row(`dev-${String(i).padStart(5, '0')}`));
    await upsertClients(database.db, rows);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await listClients(database.db, { limit: 1000, ...(after ? { after } : {}) });
      seen.push(...page.items.map((item) => item.clientId));
      if (!page.hasMore) break;
      after = page.items.at(-1)?.clientId;
    }
    expect(seen).toEqual(rows.map((each) => each.clientId));
    expect((await countClients(database.db)).connected).toBe(2500);
  });
});

describe('states', () => {
  it('shows a stopped broker’s clients as stale, and keeps shared offline sessions offline', async () => {
    await heartbeat('memory-broker', false);
    await heartbeat('redis-broker', true);
    await upsertClients(database.db, [
      row('on-memory', { brokerId: 'memory-broker' }),
      row('off-memory', { brokerId: 'memory-broker', connected: false, disconnectedAt: T0 + 1 }),
      row('on-redis', { brokerId: 'redis-broker' }),
      row('off-redis', { brokerId: 'redis-broker', connected: false, disconnectedAt: T0 + 1 }),
    ]);
    const states = async () =>
      Object.fromEntries(
        (await listClients(database.db, { limit: 10 })).items.map((c) => [c.clientId, c.state]),
      );
    expect(await states()).toEqual({
      'off-memory': 'offline',
      'off-redis': 'offline',
      'on-memory': 'connected',
      'on-redis': 'connected',
    });
    // 31 s without a heartbeat at a 10 s interval: more than three intervals.
    await stopped('memory-broker', 31);
    await stopped('redis-broker', 31);
    expect(await states()).toEqual({
      'off-memory': 'stale',
      'off-redis': 'offline',
      'on-memory': 'stale',
      'on-redis': 'stale',
    });
    expect(await listClients(database.db, { limit: 10, state: 'stale' })).toMatchObject({
      items: [{ clientId: 'off-memory' }, { clientId: 'on-memory' }, { clientId: 'on-redis' }],
    });
    expect(await listBrokers(database.db)).toMatchObject([
      { brokerId: 'memory-broker', live: false, connected: 1, offline: 1 },
      { brokerId: 'redis-broker', live: false, connected: 1, offline: 1 },
    ]);
  });

  it('collects the rows of a broker stopped long ago: sessions in its memory go, shared ones turn offline', async () => {
    await heartbeat('memory-broker', false);
    await heartbeat('redis-broker', true);
    await heartbeat('live-broker', false);
    await upsertClients(database.db, [
      row('on-memory', { brokerId: 'memory-broker' }),
      row('persistent-redis', { brokerId: 'redis-broker', inflight: 2, queued: 3 }),
      row('clean-redis', { brokerId: 'redis-broker', cleanSession: true }),
      row('on-live', { brokerId: 'live-broker' }),
    ]);
    await stopped('memory-broker', 400);
    await stopped('redis-broker', 400);
    await collectStoppedBrokers(database.db);
    const left = (await listClients(database.db, { limit: 10 })).items;
    expect(left.map((c) => [c.clientId, c.state, c.queued, c.inflight])).toEqual([
      ['on-live', 'connected', 0, 0],
      ['persistent-redis', 'offline', 5, 0],
    ]);
    // The memory broker has no rows left, so it is forgotten; the Redis one still holds one.
    expect((await listBrokers(database.db)).map((b) => b.brokerId)).toEqual([
      'live-broker',
      'redis-broker',
    ]);
  });

  it('settles a previous run of the same broker id at start', async () => {
    await heartbeat('broker-a', false);
    await upsertClients(database.db, [
      row('left-over'),
      row('left-offline', { connected: false, disconnectedAt: T0 }),
    ]);
    await settlePreviousRun(database.db, 'broker-a');
    expect((await listClients(database.db, { limit: 10 })).items).toEqual([]);
  });

  it('drops an offline MQTT 5 session once its expiry interval has passed', async () => {
    await heartbeat('broker-a');
    const now = Date.now();
    await upsertClients(database.db, [
      row('expired', { connected: false, sessionExpiryS: 60, disconnectedAt: now - 61_000 }),
      row('kept', { connected: false, sessionExpiryS: 60, disconnectedAt: now - 10_000 }),
    ]);
    await collectStoppedBrokers(database.db);
    expect((await listClients(database.db, { limit: 10 })).items.map((c) => c.clientId)).toEqual([
      'kept',
    ]);
  });
});

describe('filters', () => {
  it('filters by text, state, broker, principal kind and protocol', async () => {
    await heartbeat('broker-a');
    await heartbeat('broker-b');
    await upsertClients(database.db, [
      row('pump-1'),
      row('user/ops-1', {
        brokerId: 'broker-b',
        principalKind: 'user',
        principalId: 'b5a1',
        principalUsername: 'Ops_Alice',
        principalRole: 'operator',
        protocol: 'mqtt-ws',
      }),
      row('valve-9', { connected: false, disconnectedAt: T0 + 1, protocol: 'mqtt-tls' }),
    ]);
    const ids = async (filter: Parameters<typeof listClients>[1]) =>
      (await listClients(database.db, filter)).items.map((c) => c.clientId);
    expect(await ids({ limit: 10, q: 'alice' })).toEqual(['user/ops-1']);
    expect(await ids({ limit: 10, q: '%' })).toEqual([]);
    expect(await ids({ limit: 10, state: 'offline' })).toEqual(['valve-9']);
    expect(await ids({ limit: 10, brokerId: 'broker-b' })).toEqual(['user/ops-1']);
    expect(await ids({ limit: 10, principalKind: 'device' })).toEqual(['pump-1', 'valve-9']);
    expect(await ids({ limit: 10, protocol: 'mqtt-tls' })).toEqual(['valve-9']);
    expect(await readClient(database.db, 'user/ops-1')).toMatchObject({
      principal: { kind: 'user', id: 'b5a1', username: 'Ops_Alice', role: 'operator' },
    });
  });
});

describe('action notifications', () => {
  it('parse what a broker may act on, and nothing else', () => {
    const action = { action: 'disconnect', clientId: 'a', brokerId: 'b', connectedAt: 1 };
    expect(parseClientAction(JSON.stringify(action))).toEqual(action);
    expect(
      parseClientAction('{"action":"reboot","clientId":"a","brokerId":"b","connectedAt":1}'),
    ).toBeUndefined();
    expect(parseClientAction('not json')).toBeUndefined();
    expect(parseClientAction('{"action":"disconnect","clientId":"a"}')).toBeUndefined();
  });
});
