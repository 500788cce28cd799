// The client registry across a cluster: two broker processes sharing Redis and one database.
// A client that moves between brokers is one row, named by the broker that holds it now, and
// an operator action reaches that broker whichever broker (or API) asked.
import { readClient } from '@twinwire/db/client-queries';
import { notifyClientAction } from '@twinwire/db/client-registry';
import type { TestDatabase } from '@twinwire/db/testing';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { killAllBrokers, spawnBroker, type SpawnedBroker } from '../helpers/spawn-broker.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeAll,
  connectDevice,
  connectService,
  ownDatabase,
  provisionDevices,
  type Device,
} from './fixtures.ts';
import { isolatedRedis, type IsolatedRedis } from './redis-space.ts';

const redisServer = process.env.REDIS_URL;

describe.runIf(redisServer)('the client registry in a cluster of two brokers', () => {
  const clients = new Set<MqttClient>();
  let database: TestDatabase;
  let redis: IsolatedRedis;
  let device: Device;
  let brokerA: SpawnedBroker;
  let brokerB: SpawnedBroker;

  beforeEach(async () => {
    database = await ownDatabase();
    [device] = (await provisionDevices(database, 'registry', 1)) as [Device];
    redis = await isolatedRedis(redisServer!);
    const spawn = (id: string) =>
      spawnBroker({ DATABASE_URL: database.url, REDIS_URL: redis.url, BROKER_ID: id });
    [brokerA, brokerB] = await Promise.all([spawn('broker-a'), spawn('broker-b')]);
  });

  afterEach(async () => {
    await closeAll(clients);
    clients.clear();
    await killAllBrokers();
    await database.drop();
    await redis.close();
  });

  const row = () => readClient(database.db, device.id);

  it('follows a persistent session from one broker to the other, and disconnects it where it is', async () => {
    const onA = await connectDevice(brokerA.mqttUrl, device, { clean: false });
    clients.add(onA);
    await onA.subscribeAsync(`devices/${device.id}/commands/#`, { qos: 1 });
    await expect
      .poll(row, { timeout: 10_000 })
      .toMatchObject({ brokerId: 'broker-a', state: 'connected', subscriptionCount: 1 });

    // The same client id on the other broker: aedes hands the session over across the
    // cluster and the old connection is closed; whichever write lands last, B's row stands.
    const onB = await connectDevice(brokerB.mqttUrl, device, { clean: false });
    clients.add(onB);
    await expect
      .poll(row, { timeout: 10_000 })
      .toMatchObject({ brokerId: 'broker-b', state: 'connected', subscriptionCount: 1 });

    const current = await row();
    const closed = new Promise<void>((resolve) => onB.once('close', resolve));
    await notifyClientAction(database.db, {
      action: 'disconnect',
      clientId: device.id,
      brokerId: 'broker-b',
      connectedAt: current?.connectedAt.getTime() ?? 0,
    });
    await closed;
    // Redis keeps the session: offline, not stale, even were broker-b to stop now.
    await expect.poll(row, { timeout: 10_000 }).toMatchObject({ state: 'offline' });

    await notifyClientAction(database.db, {
      action: 'clear-session',
      clientId: device.id,
      brokerId: 'broker-b',
      connectedAt: current?.connectedAt.getTime() ?? 0,
    });
    await expect.poll(row, { timeout: 10_000 }).toBeUndefined();
    const brokers = await database.pool.query<{ broker_id: string; shared_sessions: boolean }>(
      'SELECT broker_id, shared_sessions FROM mqtt_brokers ORDER BY broker_id',
    );
    expect(brokers.rows).toEqual([
      { broker_id: 'broker-a', shared_sessions: true },
      { broker_id: 'broker-b', shared_sessions: true },
    ]);
  });

  it('forgets on the first broker a session the second one took: cleared there, its row stays gone', async () => {
    // A persistent session on A, then offline there: A holds it.
    const onA = await connectDevice(brokerA.mqttUrl, device, { clean: false });
    await onA.subscribeAsync(`devices/${device.id}/commands/#`, { qos: 1 });
    await onA.endAsync();
    await expect
      .poll(row, { timeout: 10_000 })
      .toMatchObject({ brokerId: 'broker-a', state: 'offline' });

    // Resumed on B, offline there, with a message queued for it.
    const onB = await connectDevice(brokerB.mqttUrl, device, { clean: false });
    await expect
      .poll(row, { timeout: 10_000 })
      .toMatchObject({ brokerId: 'broker-b', state: 'connected' });
    await onB.endAsync();
    const sender = await connectService(brokerB.mqttUrl, 'queue-one');
    clients.add(sender);
    await sender.publishAsync(`devices/${device.id}/commands/ping`, 'queued', { qos: 1 });
    await expect
      .poll(row, { timeout: 15_000 })
      .toMatchObject({ brokerId: 'broker-b', state: 'offline', queued: 1 });

    const current = await row();
    await notifyClientAction(database.db, {
      action: 'clear-session',
      clientId: device.id,
      brokerId: 'broker-b',
      connectedAt: current?.connectedAt.getTime() ?? 0,
    });
    await expect.poll(row, { timeout: 10_000 }).toBeUndefined();
    // A's housekeeping (every 10 s) rewrites the sessions it holds whose queue counts moved:
    // holding this one still, it would write its row back.
    await sleep(12_000);
    expect(await row()).toBeUndefined();
  }, 60_000);
});
