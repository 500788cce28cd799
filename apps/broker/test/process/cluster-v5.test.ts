import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDatabase } from '@twinwire/db/testing';
import { createUser } from '@twinwire/db/users';
import type { IClientOptions, IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { refusal } from '../helpers/refusal.ts';
import { killAllBrokers, spawnBroker, type SpawnedBroker } from '../helpers/spawn-broker.ts';
import { closeAll, connect, connectService, ownDatabase } from './fixtures.ts';
import { isolatedRedis, type IsolatedRedis } from './redis-space.ts';

const redisServer = process.env.REDIS_URL;

/**
 * MQTT 5.0 and 3.1.1 clients on two broker processes sharing Redis: properties through
 * mqemitter-redis and aedes-persistence-redis, sessions that move between brokers and outlive
 * a broker, and the session owner records kept beside them.
 */
describe.runIf(redisServer)('a cluster of two brokers with MQTT 5.0 clients', () => {
  const clients = new Set<MqttClient>();
  let database: TestDatabase;
  let redis: IsolatedRedis;
  let brokerA: SpawnedBroker;
  let brokerB: SpawnedBroker;
  // Topics and client ids of their own: brokers on one Redis see each other's pub/sub traffic.
  const token = Math.random().toString(36).slice(2, 8);
  const topic = (name: string) => `devices/c5-${token}/commands/${name}`;

  const spawnClusterBroker = (id: string) =>
    spawnBroker({ DATABASE_URL: database.url, REDIS_URL: redis.url, BROKER_ID: id });

  beforeEach(async () => {
    database = await ownDatabase();
    redis = await isolatedRedis(redisServer!);
    [brokerA, brokerB] = await Promise.all([
      spawnClusterBroker(`a-${token}`),
      spawnClusterBroker(`b-${token}`),
    ]);
  });
  afterEach(async () => {
    await closeAll(clients);
    clients.clear();
    await killAllBrokers();
    await database.drop();
    await redis.close();
  });

  async function service(
    broker: SpawnedBroker,
    name: string,
    options: IClientOptions = {},
    prepare?: (client: MqttClient) => void,
  ): Promise<MqttClient> {
    const client = await connectService(
      broker.mqttUrl,
      `${name}-${token}`,
      {
        protocolVersion: 5,
        ...options,
      },
      prepare,
    );
    clients.add(client);
    return client;
  }

  function received(client: MqttClient): IPublishPacket[] {
    const packets: IPublishPacket[] = [];
    client.on('message', (_topic, _payload, packet) => packets.push(packet));
    return packets;
  }

  const properties = {
    payloadFormatIndicator: true,
    contentType: 'application/json',
    responseTopic: 'devices/x/commands/y/ack',
    correlationData: Buffer.from([0, 1, 0xfe, 0xff]),
    userProperties: { trace: 'abc', tags: ['a', 'b'] },
  };

  it('routes an MQTT 5.0 publish through Redis with its properties, to v5 and v3 subscribers on the other broker', async () => {
    const v5 = await service(brokerB, 'sub-v5');
    const v3 = await service(brokerB, 'sub-v3', { protocolVersion: 4 });
    const toV5 = received(v5);
    const toV3 = received(v3);
    await v5.subscribeAsync(topic('+'), { qos: 1 });
    await v3.subscribeAsync(topic('+'), { qos: 1 });
    const publisher = await service(brokerA, 'pub');
    await publisher.publishAsync(topic('props'), '{}', { qos: 1, properties });
    // A topic alias is resolved on the broker that received it; it must not reach the other.
    await publisher.publishAsync(topic('alias'), 'a', { qos: 1, properties: { topicAlias: 1 } });
    await publisher.publishAsync('', 'b', { qos: 1, properties: { topicAlias: 1 } });
    await expect.poll(() => [toV5.length, toV3.length], { timeout: 10_000 }).toEqual([3, 3]);
    expect(toV5[0]?.properties).toMatchObject(properties);
    expect(toV5.slice(1).map((p) => [p.topic, p.payload.toString()])).toEqual([
      [topic('alias'), 'a'],
      [topic('alias'), 'b'],
    ]);
    expect(toV3.map((p) => p.payload.toString())).toEqual(['{}', 'a', 'b']);
  });

  it('keeps a v5 session queued in Redis with its properties, the message expiry counted down, for the other broker', async () => {
    const away = await service(brokerA, 'queued', {
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    await away.subscribeAsync(topic('+'), { qos: 1 });
    await away.endAsync();
    const publisher = await service(brokerB, 'queued-pub');
    await publisher.publishAsync(topic('later'), 'queued', {
      qos: 1,
      properties: { ...properties, messageExpiryInterval: 30 },
    });
    await sleep(1_100);
    let queued: IPublishPacket[] = [];
    let connack: IConnackPacket | undefined;
    await service(
      brokerB,
      'queued',
      { clean: false, properties: { sessionExpiryInterval: 60 } },
      (client) => {
        queued = received(client);
        client.once('connect', (packet) => (connack = packet));
      },
    );
    expect(connack?.sessionPresent).toBe(true);
    await expect.poll(() => queued.length, { timeout: 10_000 }).toBe(1);
    expect(queued[0]?.properties).toMatchObject(properties);
    expect(queued[0]?.properties?.messageExpiryInterval).toBeLessThanOrEqual(29);
  });

  it('gives a retained v5 message with its properties to a subscriber on the other broker', async () => {
    const publisher = await service(brokerA, 'retain-pub');
    await publisher.publishAsync(topic('config'), '{"v":1}', { qos: 1, retain: true, properties });
    const subscriber = await service(brokerB, 'retain-sub');
    const seen = received(subscriber);
    await subscriber.subscribeAsync(topic('config'), { qos: 1 });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1);
    expect(seen[0]?.properties).toMatchObject(properties);
    expect(seen[0]?.retain).toBe(true);
  });

  it('lets a session move from broker A to broker B: A’s expiry timer does not wipe it [MQTT-3.1.2-23]', async () => {
    const onA = await service(brokerA, 'mover', {
      clean: false,
      properties: { sessionExpiryInterval: 2 },
    });
    await onA.subscribeAsync(topic('+'), { qos: 1 });
    await onA.endAsync();
    let seen: IPublishPacket[] = [];
    let connack: IConnackPacket | undefined;
    await service(
      brokerB,
      'mover',
      { clean: false, properties: { sessionExpiryInterval: 2 } },
      (client) => {
        seen = received(client);
        client.once('connect', (packet) => (connack = packet));
      },
    );
    expect(connack?.sessionPresent).toBe(true);
    // A armed a 2 s expiry when the client left it; past that, the session must still be whole.
    await sleep(3_000);
    const publisher = await service(brokerA, 'mover-pub');
    await publisher.publishAsync(topic('still'), 'here', { qos: 1 });
    await expect
      .poll(() => seen.map((p) => p.payload.toString()), { timeout: 10_000 })
      .toEqual(['here']);
  });

  it('keeps a session across a broker restart, and ends one whose expiry passed while its broker was down', async () => {
    const kept = await service(brokerA, 'kept', {
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    await kept.subscribeAsync(topic('+'), { qos: 1 });
    const expiring = await service(brokerA, 'short', {
      clean: false,
      properties: { sessionExpiryInterval: 1 },
    });
    await expiring.subscribeAsync(topic('+'), { qos: 1 });
    await Promise.all([kept.endAsync(), expiring.endAsync()]);
    // The disconnects reach broker A; then it dies, and its expiry timers with it.
    await sleep(500);
    brokerA.kill('SIGKILL');
    await brokerA.exited;
    await sleep(1_500);
    const restarted = await spawnClusterBroker(`a2-${token}`);
    const sessionPresent = async (name: string, expiry: number) => {
      let connack: IConnackPacket | undefined;
      await service(
        restarted,
        name,
        { clean: false, properties: { sessionExpiryInterval: expiry } },
        (client) => {
          client.once('connect', (packet) => (connack = packet));
        },
      );
      return connack?.sessionPresent;
    };
    expect(await sessionPresent('kept', 600)).toBe(true);
    expect(await sessionPresent('short', 1)).toBe(false);
  });

  it('refuses another principal a session’s client id on any broker, connected or not (0x85 / CONNACK 2)', async () => {
    await createUser(database.db, {
      username: `olga-${token}`,
      password: 'olga-password-1',
      role: 'operator',
    });
    const clientId = `shared-${token}`;
    const rightful = await service(brokerA, 'x', { clientId });
    const olga = { username: `olga-${token}`, password: 'olga-password-1', clientId };
    expect(await refusal(brokerB.mqttUrl, { ...olga, protocolVersion: 5 })).toBe(0x85);
    expect(await refusal(brokerB.mqttUrl, olga)).toBe(2);
    await sleep(200);
    expect(rightful.connected).toBe(true);

    const persistent = await service(brokerA, 'y', {
      clientId: `${clientId}-2`,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    await persistent.endAsync();
    expect(
      await refusal(brokerB.mqttUrl, { ...olga, clientId: `${clientId}-2`, protocolVersion: 5 }),
    ).toBe(0x85);
    const owner = await connect(brokerB.mqttUrl, {
      ...olga,
      clientId: `own-${token}`,
      protocolVersion: 5,
    });
    clients.add(owner);
    expect(owner.connected).toBe(true);
  });
});
