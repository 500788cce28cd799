// The broker's rows in the client registry (mqtt_clients): what it records for real clients
// (mqtt.js over TCP and WebSocket, Debian's mosquitto_sub), what a disconnect leaves, queue
// counts, batched writes, and the operator actions that reach it through NOTIFY.
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawn } from 'node:child_process';
import { createDb, type DbClient } from '@twinwire/db/client';
import { listClients, readClient } from '@twinwire/db/client-queries';
import { notifyClientAction } from '@twinwire/db/client-registry';
import { createUser } from '@twinwire/db/users';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

function installed(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasMosquitto = installed('mosquitto_sub');

let harness: TestBroker;
beforeAll(async () => {
  harness = await startBroker({}, { housekeepingIntervalMs: 300 });
});
afterAll(() => harness.close());

const db = () => harness.database.db;
const client = (id: string) => readClient(db(), id);
const brokerId = () => harness.broker.aedes.id;

async function device(id: string, options: { clean?: boolean; transport?: 'tcp' | 'ws' } = {}) {
  const secret = await harness.provision(id);
  return harness.connect({
    clientId: id,
    username: id,
    password: secret,
    keepalive: 45,
    ...options,
  });
}

/** A persistent subscriber that never acknowledges: what it is sent stays in flight. */
async function silentSubscriber(id: string): Promise<MqttClient> {
  const secret = await harness.provision(id);
  return harness.connect(
    { clientId: id, username: id, password: secret, clean: false },
    (mqttClient) => {
      // mqtt.js sends PUBACK once handleMessage calls back; this one never does.
      mqttClient.handleMessage = () => undefined;
    },
  );
}

async function service(name: string) {
  return harness.connect({
    clientId: `service/${name}`,
    username: 'service',
    password: SERVICE_SECRET,
  });
}

describe('connected clients', () => {
  it('records a device’s principal, listener, protocol version, address, keepalive and subscriptions', async () => {
    const pump = await device('reg-pump');
    await pump.subscribeAsync('devices/reg-pump/commands/+', { qos: 1 });
    const local = pump.stream as { localPort?: number };
    await expect.poll(() => client('reg-pump').then((row) => row?.subscriptionCount)).toBe(1);
    expect(await client('reg-pump')).toMatchObject({
      state: 'connected',
      brokerId: brokerId(),
      principal: { kind: 'device', id: 'reg-pump', username: null, role: 'device' },
      protocol: 'mqtt',
      protocolVersion: 4,
      remoteAddress: `127.0.0.1:${local.localPort}`,
      keepaliveS: 45,
      cleanSession: true,
      subscriptions: [{ filter: 'devices/reg-pump/commands/+', qos: 1 }],
      inflight: null,
      queued: null,
    });
    await pump.unsubscribeAsync('devices/reg-pump/commands/+');
    await expect.poll(() => client('reg-pump').then((row) => row?.subscriptionCount)).toBe(0);
  });

  it('names the WebSocket listener', async () => {
    await device('reg-ws', { transport: 'ws' });
    await expect.poll(() => client('reg-ws').then((row) => row?.protocol)).toBe('mqtt-ws');
  });

  it.runIf(hasMosquitto)(
    'records a mosquitto_sub user client with a persistent session (-c), and keeps it offline after it leaves',
    async () => {
      await createUser(db(), {
        username: 'reg-ops',
        password: 'reg-ops-password',
        role: 'operator',
      });
      const sub = spawn('mosquitto_sub', [
        ...['-h', '127.0.0.1', '-p', String(harness.broker.addresses.mqtt)],
        ...['-i', 'user/reg-ops', '-u', 'reg-ops', '-P', 'reg-ops-password', '-c', '-q', '1'],
        ...['-t', 'devices/+/status', '-V', 'mqttv311', '-k', '30'],
      ]);
      try {
        await expect
          .poll(() => client('user/reg-ops'), { timeout: 10_000 })
          .toMatchObject({
            state: 'connected',
            principal: { kind: 'user', username: 'reg-ops', role: 'operator' },
            protocolVersion: 4,
            keepaliveS: 30,
            cleanSession: false,
            subscriptions: [{ filter: 'devices/+/status', qos: 1 }],
            inflight: 0,
            queued: 0,
          });
      } finally {
        sub.kill('SIGTERM');
      }
      // [MQTT-3.1.2-4] the session outlives the connection: offline, not gone.
      await expect
        .poll(() => client('user/reg-ops'), { timeout: 10_000 })
        .toMatchObject({ state: 'offline', disconnectedAt: expect.any(Date) as Date });
    },
  );
});

describe('disconnects and queues', () => {
  it('removes a clean session’s row when it disconnects [MQTT-3.1.2-6]', async () => {
    const valve = await device('reg-clean');
    await expect.poll(() => client('reg-clean')).toBeDefined();
    await valve.endAsync();
    await expect.poll(() => client('reg-clean')).toBeUndefined();
  });

  it('counts messages queued for an offline persistent session, and in flight to one that does not acknowledge', async () => {
    const subscriber = await device('reg-queue', { clean: false });
    await subscriber.subscribeAsync('devices/reg-queue/commands/#', { qos: 1 });
    await subscriber.endAsync();
    await expect.poll(() => client('reg-queue').then((row) => row?.state)).toBe('offline');

    const api = await service('reg-queue-api');
    for (let i = 0; i < 3; i++)
      await api.publishAsync(`devices/reg-queue/commands/c${i}`, '{"id":"x","args":{}}', {
        qos: 1,
      });
    await expect
      .poll(() => client('reg-queue').then((row) => [row?.inflight, row?.queued]))
      .toEqual([0, 3]);

    // Back online without acknowledging: the three are written and stay in flight.
    await silentSubscriber('reg-queue');
    await expect
      .poll(() => client('reg-queue').then((row) => [row?.state, row?.inflight, row?.queued]))
      .toEqual(['connected', 3, 0]);
  });

  it('writes a connect storm in a few statements, not one per client', async () => {
    let statements = 0;
    /** The broker's own pool, counting the registry's INSERTs as they go to PostgreSQL. */
    const countingDb = (url: string): DbClient => {
      const counting = createDb({ url });
      // drizzle sends every statement as pool.query({ text, … }, values) and awaits the promise.
      type Query = (config: { text: string }, ...rest: unknown[]) => Promise<unknown>;
      const query = counting.pool.query.bind(counting.pool) as Query;
      const countingQuery: Query = (config, ...rest) => {
        if (config.text.includes('INSERT INTO "mqtt_clients"')) statements += 1;
        return query(config, ...rest);
      };
      counting.pool.query = countingQuery as typeof counting.pool.query;
      return counting;
    };
    const storm = await startBroker({}, { housekeepingIntervalMs: 60_000, dbFactory: countingDb });
    try {
      // Service clients: no password hash per connect, so 300 arrive within a second or two.
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          storm.connect({
            clientId: `service/storm-${i}`,
            username: 'service',
            password: SERVICE_SECRET,
            connectTimeout: 30_000,
          }),
        ),
      );
      await expect
        .poll(async () => (await listClients(storm.database.db, { limit: 500 })).items.length)
        .toBe(300);
      // One statement per 500 ms batch: a few while the storm lasts (more on a loaded machine,
      // where 300 connects take longer), never anywhere near one per client.
      expect(statements).toBeGreaterThan(0);
      expect(statements).toBeLessThanOrEqual(30);
    } finally {
      await storm.close();
    }
  });
});

describe('operator actions through NOTIFY mqtt_client_actions', () => {
  const act = async (action: 'disconnect' | 'clear-session', clientId: string) => {
    const row = await client(clientId);
    if (!row) throw new Error(`no row for ${clientId}`);
    await notifyClientAction(db(), {
      action,
      clientId,
      brokerId: row.brokerId,
      connectedAt: row.connectedAt.getTime(),
    });
  };

  it('disconnects a client, keeping its persistent session offline', async () => {
    const subscriber = await device('reg-kick', { clean: false });
    await subscriber.subscribeAsync('devices/reg-kick/commands/#', { qos: 1 });
    await expect.poll(() => client('reg-kick').then((row) => row?.state)).toBe('connected');
    const closed = new Promise<void>((resolve) => subscriber.once('close', resolve));
    await act('disconnect', 'reg-kick');
    await closed;
    await expect.poll(() => client('reg-kick').then((row) => row?.state)).toBe('offline');
  });

  it('ignores an action meant for another broker', async () => {
    await device('reg-other');
    await expect.poll(() => client('reg-other')).toBeDefined();
    await notifyClientAction(db(), {
      action: 'disconnect',
      clientId: 'reg-other',
      brokerId: 'some-other-broker',
      connectedAt: Date.now(),
    });
    await sleep(500);
    expect(await client('reg-other')).toMatchObject({ state: 'connected' });
  });

  it('clears an offline session: nothing queued is delivered and the next CONNACK has no session [MQTT-3.2.2-3]', async () => {
    const subscriber = await device('reg-clear', { clean: false });
    await subscriber.subscribeAsync('devices/reg-clear/commands/#', { qos: 1 });
    await subscriber.endAsync();
    const api = await service('reg-clear-api');
    await api.publishAsync('devices/reg-clear/commands/x', '{"id":"1","args":{}}', { qos: 1 });
    await expect.poll(() => client('reg-clear').then((row) => row?.queued)).toBe(1);

    await act('clear-session', 'reg-clear');
    await expect.poll(() => client('reg-clear')).toBeUndefined();

    const received: string[] = [];
    let sessionPresent: boolean | undefined;
    const back = await harness.connect(
      {
        clientId: 'reg-clear',
        username: 'reg-clear',
        password: await harness.provision('reg-clear'),
        clean: false,
      },
      (mqttClient) => {
        mqttClient.on('connect', (connack) => {
          sessionPresent = connack.sessionPresent;
        });
        mqttClient.on('message', (topic) => received.push(topic));
      },
    );
    expect(sessionPresent).toBe(false);
    await api.publishAsync('devices/reg-clear/commands/y', '{"id":"2","args":{}}', { qos: 1 });
    await sleep(300);
    expect(received).toEqual([]);
    await back.endAsync();
  });

  it('clears the session of a connected client: it is cut off and its subscriptions are gone', async () => {
    const subscriber = await device('reg-clear-live', { clean: false });
    await subscriber.subscribeAsync('devices/reg-clear-live/commands/#', { qos: 1 });
    await expect.poll(() => client('reg-clear-live').then((row) => row?.state)).toBe('connected');
    const closed = new Promise<void>((resolve) => subscriber.once('close', resolve));
    await act('clear-session', 'reg-clear-live');
    await closed;
    await expect.poll(() => client('reg-clear-live')).toBeUndefined();
  });
});

describe('shutdown', () => {
  it('leaves no row behind for a broker that closed cleanly, and forgets the broker', async () => {
    const other = await startBroker({}, { housekeepingIntervalMs: 300 });
    const secret = await other.provision('reg-bye');
    await other.connect({ clientId: 'reg-bye', username: 'reg-bye', password: secret });
    await expect.poll(() => readClient(other.database.db, 'reg-bye')).toBeDefined();
    await other.broker.close();
    expect((await listClients(other.database.db, { limit: 10 })).items).toEqual([]);
    const brokers = await other.database.pool.query('SELECT broker_id FROM mqtt_brokers');
    expect(brokers.rows).toEqual([]);
    await other.close();
  });
});
