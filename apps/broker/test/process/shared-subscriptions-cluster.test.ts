import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestDatabase } from '@twinwire/db/testing';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  killAllBrokers,
  readMetric,
  SERVICE_SECRET,
  spawnBroker,
  type SpawnedBroker,
} from '../helpers/spawn-broker.ts';
import { closeAll, connectService, ownDatabase } from './fixtures.ts';
import { isolatedRedis, type IsolatedRedis } from './redis-space.ts';
import { consumerProcess } from './shared-consumer.ts';

const redisServer = process.env.REDIS_URL;

function installed(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Shared subscriptions across two real broker processes on one Redis [MQTT-4.8.2]: one delivery
 * per group per message cluster-wide, counted at the consumers; a consumer killed with messages
 * unacknowledged; the sticky strategy; v3.1.1, v5 and mosquitto_sub members in one group.
 */
describe.runIf(redisServer)('shared subscriptions across a cluster of two brokers', () => {
  const clients = new Set<MqttClient>();
  let database: TestDatabase;
  let redis: IsolatedRedis;
  let brokerA: SpawnedBroker;
  let brokerB: SpawnedBroker;
  let token: string;
  let seq = 0;

  async function startCluster(env: Record<string, string> = {}) {
    const start = (id: string) =>
      spawnBroker({
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        BROKER_ID: id,
        // Publishers here send as fast as they can: the per-connection pace is not under test.
        MQTT_MAX_PUBLISH_RATE: '0',
        ...env,
      });
    [brokerA, brokerB] = await Promise.all([start(`a-${token}`), start(`b-${token}`)]);
  }

  beforeEach(async () => {
    token = Math.random().toString(36).slice(2, 8);
    database = await ownDatabase();
    redis = await isolatedRedis(redisServer!);
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
    options: IClientOptions = {},
    prepare?: (client: MqttClient) => void,
  ) {
    const client = await connectService(
      broker.mqttUrl,
      `ss-${token}-${seq++}`,
      { protocolVersion: 5, ...options },
      prepare,
    );
    clients.add(client);
    return client;
  }

  async function member(broker: SpawnedBroker, filter: string, protocolVersion: 4 | 5 = 5) {
    const client = await service(broker, { protocolVersion });
    const received: string[] = [];
    client.on('message', (_topic, payload) => received.push(payload.toString()));
    await client.subscribeAsync(filter, { qos: 1 });
    return received;
  }

  /** `count` QoS 1 messages from each publisher, `<publisher>:<n>` on `<base>/<publisher>`. */
  async function publishFrom(publishers: MqttClient[], base: string, count: number) {
    await Promise.all(
      publishers.map(async (publisher, index) => {
        for (let n = 0; n < count; n += 100) {
          const batch = Array.from({ length: Math.min(100, count - n) }, (_, i) =>
            publisher.publishAsync(`${base}/p${index}`, `p${index}:${n + i}`, { qos: 1 }),
          );
          await Promise.all(batch);
        }
      }),
    );
  }

  const everyMessage = (publishers: number, count: number) =>
    Array.from({ length: publishers }, (_, p) =>
      Array.from({ length: count }, (_, n) => `p${p}:${n}`),
    )
      .flat()
      .sort();

  it(
    'delivers each of 10,000 QoS 1 messages published on both brokers exactly once, to one of four consumers spread over both',
    { timeout: 90_000 },
    async () => {
      await startCluster();
      const base = `devices/ss-${token}`;
      const filter = `$share/workers/${base}/+`;
      const consumers = [
        await member(brokerA, filter),
        await member(brokerA, filter, 4),
        await member(brokerB, filter),
        await member(brokerB, filter, 4),
      ];
      const publishers = [
        await service(brokerA, { protocolVersion: 4 }),
        await service(brokerB, { protocolVersion: 4 }),
      ];
      await publishFrom(publishers, base, 5_000);

      await expect.poll(() => consumers.flat().length, { timeout: 60_000 }).toBe(10_000);
      // Nothing more arrives: a second delivery would come within the same moments.
      await sleep(1_000);
      expect(consumers.flat().length).toBe(10_000);
      expect(consumers.flat().sort()).toEqual(everyMessage(2, 5_000));
      for (const received of consumers) expect(received.length).toBeGreaterThan(0);
      const delivered =
        (await readMetric(brokerA, 'twinwire_broker_shared_subscription_delivered_total')) +
        (await readMetric(brokerB, 'twinwire_broker_shared_subscription_delivered_total'));
      expect(delivered).toBe(10_000);
    },
  );

  it(
    'gives what a consumer killed with kill -9 had not acknowledged to another consumer; none is lost',
    { timeout: 60_000 },
    async () => {
      await startCluster();
      const base = `devices/ss-${token}`;
      const filter = `$share/workers/${base}/+`;
      const victim = await consumerProcess(brokerA.mqttUrl, `victim-${token}`, filter);
      const survivors = [await member(brokerA, filter), await member(brokerB, filter, 4)];
      const publishers = [
        await service(brokerA, { protocolVersion: 4 }),
        await service(brokerB, { protocolVersion: 4 }),
      ];
      const publishing = publishFrom(publishers, base, 1_000);
      await victim.arrival(20);
      victim.child.kill('SIGKILL');
      await victim.killed;
      await publishing;

      // Held by the victim when it died: arrived there, never acknowledged.
      const unacknowledged = victim.received.filter((p) => !victim.acknowledged.includes(p));
      expect(unacknowledged.length).toBeGreaterThan(0);
      const all = everyMessage(2, 1_000);
      await expect
        .poll(() => new Set([...survivors.flat(), ...victim.acknowledged]).size, {
          timeout: 30_000,
        })
        .toBe(all.length);
      const atSurvivors = new Set(survivors.flat());
      for (const payload of unacknowledged) expect(atSurvivors).toContain(payload);
      // A survivor gets nothing twice (only the victim and a survivor may share a message).
      const survivorCopies = survivors.flat();
      expect(survivorCopies.length - atSurvivors.size).toBe(0);
      const redelivered =
        (await readMetric(brokerA, 'twinwire_broker_shared_subscription_redelivered_total')) +
        (await readMetric(brokerB, 'twinwire_broker_shared_subscription_redelivered_total'));
      expect(redelivered).toBeGreaterThanOrEqual(unacknowledged.length);
    },
  );

  it('queues for a persistent member away from one broker, and delivers when it returns to the other', async () => {
    await startCluster();
    const base = `devices/ss-${token}`;
    const persistent = {
      clientId: `away-${token}`,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    };
    const first = await service(brokerA, persistent);
    await first.subscribeAsync(`$share/queued/${base}/+`, { qos: 1 });
    await first.endAsync();
    const publisher = await service(brokerB, { protocolVersion: 4 });
    await publishFrom([publisher], base, 3);
    const returned: string[] = [];
    await service(brokerB, persistent, (client) =>
      client.on('message', (_topic, payload) => returned.push(payload.toString())),
    );
    await expect.poll(() => returned, { timeout: 10_000 }).toEqual(['p0:0', 'p0:1', 'p0:2']);
  });

  it('sticky strategy: every message of one publisher goes to one member, in order', async () => {
    await startCluster({ SHARED_SUBSCRIPTION_STRATEGY: 'sticky' });
    const base = `devices/ss-${token}`;
    const filter = `$share/ordered/${base}/+`;
    const consumers = [
      await member(brokerA, filter),
      await member(brokerA, filter, 4),
      await member(brokerB, filter),
      await member(brokerB, filter),
    ];
    const publishers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => service(i % 2 === 0 ? brokerA : brokerB)),
    );
    await publishFrom(publishers, base, 200);
    await expect.poll(() => consumers.flat().length, { timeout: 30_000 }).toBe(1_600);
    for (let p = 0; p < publishers.length; p++) {
      const holders = consumers.filter((received) =>
        received.some((payload) => payload.startsWith(`p${p}:`)),
      );
      expect(holders, `publisher ${p}`).toHaveLength(1);
      const sequence = holders[0]!.filter((payload) => payload.startsWith(`p${p}:`));
      expect(sequence).toEqual(Array.from({ length: 200 }, (_, n) => `p${p}:${n}`));
    }
  });

  it.runIf(installed('mosquitto_sub') && installed('stdbuf'))(
    'takes mosquitto_sub -V mqttv5 and mqtt.js v3.1.1 members in one group',
    async () => {
      await startCluster();
      const base = `devices/ss-${token}`;
      const filter = `$share/mixed/${base}/+`;
      const mosquitto = spawn(
        'stdbuf',
        [
          '-oL',
          'mosquitto_sub',
          ...['-h', '127.0.0.1', '-p', String(brokerB.ports.mqtt), '-V', 'mqttv5'],
          ...['-i', `mosq-${token}`, '-u', 'service', '-P', SERVICE_SECRET],
          ...['-t', filter, '-q', '1', '-d', '-F', 'MESSAGE %p'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = once(mosquitto, 'close');
      const byMosquitto: string[] = [];
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: mosquitto.stdout }).on('line', (line) => {
          if (line.startsWith('MESSAGE ')) byMosquitto.push(line.slice('MESSAGE '.length));
          if (line.includes('received SUBACK')) resolve();
        });
        void exited.then(() => {
          reject(new Error('mosquitto_sub exited before subscribing'));
        });
      });
      try {
        const byV3 = await member(brokerA, filter, 4);
        const publisher = await service(brokerA);
        await publishFrom([publisher], base, 100);
        await expect.poll(() => byV3.length + byMosquitto.length).toBe(100);
        expect([...byV3, ...byMosquitto].sort()).toEqual(everyMessage(1, 100));
        expect(byV3.length).toBe(50);
        expect(byMosquitto.length).toBe(50);
      } finally {
        mosquitto.kill('SIGKILL');
        await exited;
      }
    },
  );
});
