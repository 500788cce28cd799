import { startOutageProxy, type OutageProxy } from '@twinwire/db/testing/outage-proxy';
import type { TestDatabase } from '@twinwire/db/testing';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  killAllBrokers,
  readMetric,
  spawnBroker,
  type SpawnedBroker,
} from '../helpers/spawn-broker.ts';
import {
  closeAll,
  connectDevice,
  connectService,
  nextMessage,
  ownDatabase,
  provisionDevices,
  reading,
  storedReadings,
  type Device,
} from './fixtures.ts';
import { isolatedRedis, type IsolatedRedis } from './redis-space.ts';

const redisServer = process.env.REDIS_URL;

/**
 * Two broker processes sharing one Redis (mqemitter-redis routes messages,
 * aedes-persistence-redis keeps retained messages, sessions and offline queues) and one
 * database, as behind a TCP load balancer. Each test has its own database, its own Redis key
 * prefix and device ids of its own.
 */
describe.runIf(redisServer)('a cluster of two brokers sharing Redis', () => {
  const clients = new Set<MqttClient>();
  let database: TestDatabase;
  let redis: IsolatedRedis;
  let device: Device;

  beforeEach(async () => {
    database = await ownDatabase();
    [device] = (await provisionDevices(database, 'cluster', 1)) as [Device];
    redis = await isolatedRedis(redisServer!);
  });

  const spawnClusterBroker = (id: string, redisUrl = redis.url) =>
    spawnBroker({ DATABASE_URL: database.url, REDIS_URL: redisUrl, BROKER_ID: id });

  afterEach(async () => {
    await closeAll(clients);
    clients.clear();
    await killAllBrokers();
    await database.drop();
    await redis.close();
  });

  async function track(connecting: Promise<MqttClient>): Promise<MqttClient> {
    const client = await connecting;
    clients.add(client);
    return client;
  }

  describe('two brokers', () => {
    let brokerA: SpawnedBroker;
    let brokerB: SpawnedBroker;

    beforeEach(async () => {
      [brokerA, brokerB] = await Promise.all([
        spawnClusterBroker('broker-a'),
        spawnClusterBroker('broker-b'),
      ]);
    });

    it('delivers a message published on one broker to a subscriber on the other', async () => {
      const onA = await track(connectDevice(brokerA.mqttUrl, device));
      const commandTopic = `devices/${device.id}/commands/reboot`;
      await onA.subscribeAsync(`devices/${device.id}/commands/#`, { qos: 1 });
      const received = nextMessage(onA, commandTopic);

      const api = await track(connectService(brokerB.mqttUrl, 'cluster-api'));
      const command = JSON.stringify({ id: 'c1', args: { delayS: 5 } });
      await api.publishAsync(commandTopic, command, { qos: 1 });

      expect(await received).toMatchObject({ payload: command, qos: 1, retain: false });
    });

    it('gives a new subscriber on one broker the message retained on the other', async () => {
      const statusTopic = `devices/${device.id}/status`;
      const status = JSON.stringify({ online: false, since: Date.now(), protocol: 'mqtt' });
      const publisher = await track(connectService(brokerA.mqttUrl, 'cluster-publisher'));
      await publisher.publishAsync(statusTopic, status, { qos: 1, retain: true });

      const subscriber = await track(connectService(brokerB.mqttUrl, 'cluster-subscriber'));
      const received = nextMessage(subscriber, statusTopic);
      await subscriber.subscribeAsync(statusTopic, { qos: 1 });

      // [MQTT-3.3.1-6] a new subscription gets the last retained message on a matching topic,
      // [MQTT-3.3.1-8] with the RETAIN flag set.
      expect(await received).toMatchObject({ payload: status, retain: true });
      expect(await redis.keys()).toContain(`${redis.prefix}retained`);
    });

    it('keeps a persistent session across brokers: a QoS 1 message sent while offline is delivered on reconnect to the other broker', async () => {
      const commandTopic = `devices/${device.id}/commands/reboot`;
      const onA = await track(connectDevice(brokerA.mqttUrl, device, { clean: false }));
      await onA.subscribeAsync(`devices/${device.id}/commands/#`, { qos: 1 });
      await onA.endAsync();

      const api = await track(connectService(brokerB.mqttUrl, 'cluster-api'));
      const command = JSON.stringify({ id: 'c2', args: {} });
      await api.publishAsync(commandTopic, command, { qos: 1 });

      // Listen before CONNECT: the queued message may arrive in the same read as the CONNACK.
      let sessionPresent: boolean | undefined;
      let received: ReturnType<typeof nextMessage> | undefined;
      await track(
        connectDevice(brokerB.mqttUrl, device, { clean: false }, (onB) => {
          onB.once('connect', (connack) => {
            sessionPresent = connack.sessionPresent;
          });
          received = nextMessage(onB, commandTopic);
        }),
      );

      // [MQTT-3.2.2-2] CONNACK says the session is present; [MQTT-3.1.2-5] the QoS 1 message
      // published while the client was disconnected is delivered with the resumed session.
      expect(sessionPresent).toBe(true);
      expect(await received).toMatchObject({ payload: command, qos: 1 });
    });

    it('stores telemetry published through one broker once, and a service subscriber on the other sees it', async () => {
      const watcher = await track(connectService(brokerA.mqttUrl, 'cluster-watcher'));
      await watcher.subscribeAsync(device.topic, { qos: 1 });
      const seen = nextMessage(watcher, device.topic);

      const onB = await track(connectDevice(brokerB.mqttUrl, device));
      await onB.publishAsync(device.topic, reading(1), { qos: 1 });

      expect((await seen).payload).toBe(reading(1));
      expect((await storedReadings(database)).map((row) => [row.device_id, row.seq])).toEqual([
        [device.id, 1],
      ]);
      // Only the broker that ingested the reading wrote it: forwarding is not ingesting.
      const committed = 'twinwire_broker_telemetry_committed_total';
      expect(await readMetric(brokerB, committed)).toBe(1);
      expect(await readMetric(brokerA, committed)).toBe(0);
    });
  });

  /**
   * Redis goes away and comes back, through a proxy the test cuts: the broker keeps running,
   * says so once per connection, reports not ready meanwhile, and routes through Redis again.
   */
  describe('when Redis goes away', () => {
    let proxy: OutageProxy;
    let broker: SpawnedBroker;

    beforeEach(async () => {
      proxy = await startOutageProxy(redis.url);
      broker = await spawnClusterBroker('broker-outage', proxy.url);
    });

    afterEach(() => proxy.close());

    const readiness = async () =>
      (await fetch(`http://127.0.0.1:${broker.ports.http}/readyz`)).status;
    const outageLogged = (line: { msg?: string }) =>
      line.msg?.startsWith('Redis unavailable') === true;

    it('keeps running, reports not ready while Redis is gone, and routes again once it is back', async () => {
      await expect.poll(readiness).toBe(200);
      expect(await readMetric(broker, 'twinwire_broker_redis_connected')).toBe(1);

      await proxy.cut();
      await broker.waitForLog(outageLogged);
      await expect.poll(readiness).toBe(503);
      expect(await readMetric(broker, 'twinwire_broker_redis_connected')).toBe(0);
      expect(broker.process.exitCode).toBeNull();

      await proxy.restore();
      await expect.poll(readiness, { timeout: 15_000 }).toBe(200);
      await broker.waitForLog((line) => line.msg === 'Redis connection restored');
      expect(await readMetric(broker, 'twinwire_broker_redis_connected')).toBe(1);
      // Once per connection (subscriber, publisher, persistence), not once per retry.
      expect(broker.logs.filter(outageLogged).length).toBeLessThanOrEqual(3);

      // A subscription made after the outage is routed through Redis again.
      const watcher = await track(connectService(broker.mqttUrl, 'outage-watcher'));
      await watcher.subscribeAsync(device.topic, { qos: 1 });
      const seen = nextMessage(watcher, device.topic);
      const publisher = await track(connectDevice(broker.mqttUrl, device));
      await publisher.publishAsync(device.topic, reading(1), { qos: 1 });
      expect((await seen).payload).toBe(reading(1));
    });
  });
});
