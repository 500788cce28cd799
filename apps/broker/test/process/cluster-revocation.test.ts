// Issue #13.1 and #13.3 across a cluster: two broker processes sharing Redis and one database.
// A device deleted while its session, queued command and retained messages live in Redis is
// purged whichever broker it used; a retained message published through one broker is withheld
// by the other once the publisher's credential is revoked.
import { revokeDeviceCredential } from '@twinwire/db/device-credentials';
import { deleteDevice } from '@twinwire/db/device-deletion';
import { aclRules, deviceCredentials } from '@twinwire/db/schema';
import type { TestDatabase } from '@twinwire/db/testing';
import { provisionDevice } from '@twinwire/testing/provision';
import { eq } from 'drizzle-orm';
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
  ownDatabase,
  provisionDevices,
  type Device,
} from './fixtures.ts';
import { isolatedRedis, type IsolatedRedis } from './redis-space.ts';

const redisServer = process.env.REDIS_URL;

describe.runIf(redisServer)('revocation in a cluster of two brokers', () => {
  const clients = new Set<MqttClient>();
  let database: TestDatabase;
  let redis: IsolatedRedis;
  let device: Device;
  let brokerA: SpawnedBroker;
  let brokerB: SpawnedBroker;

  beforeEach(async () => {
    database = await ownDatabase();
    [device] = (await provisionDevices(database, 'revoke', 1)) as [Device];
    await database.db.insert(aclRules).values({
      effect: 'allow',
      action: 'publish',
      topic: `devices/${device.id}/config`,
      principalKind: 'device',
      principalId: device.id,
    });
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

  const track = async (client: Promise<MqttClient>) => {
    const connected = await client;
    clients.add(connected);
    return connected;
  };

  /** Topics of the retained messages a new service subscriber on `broker` is sent. */
  async function retainedOn(broker: SpawnedBroker, name: string): Promise<Set<string>> {
    const seen = new Set<string>();
    const watcher = await track(connectService(broker.mqttUrl, name));
    watcher.on('message', (topic, _payload, packet) => {
      if (packet.retain) seen.add(topic);
    });
    await watcher.subscribeAsync(`devices/${device.id}/#`, { qos: 1 });
    return seen;
  }

  it('purges a deleted device’s session, queued command and retained messages from Redis', async () => {
    const onA = await track(connectDevice(brokerA.mqttUrl, device, { clean: false }));
    await onA.subscribeAsync(`devices/${device.id}/commands/#`, { qos: 1 });
    await onA.publishAsync(`devices/${device.id}/config`, 'v1', { qos: 1, retain: true });
    await onA.endAsync();
    const service = await track(connectService(brokerB.mqttUrl, 'commander'));
    await service.publishAsync(`devices/${device.id}/commands/reboot`, '{"id":"c1"}', { qos: 1 });
    const before = await retainedOn(brokerB, 'before');
    await expect
      .poll(() => [...before].sort(), { timeout: 10_000 })
      .toEqual([`devices/${device.id}/config`, `devices/${device.id}/status`]);

    await deleteDevice(database.db, device.id);
    await expect
      .poll(
        async () =>
          (await readMetric(brokerA, 'twinwire_broker_devices_purged_total')) +
          (await readMetric(brokerB, 'twinwire_broker_devices_purged_total')),
        { timeout: 10_000 },
      )
      .toBe(2);

    const { secret } = await provisionDevice(database.db, device.id);
    const queued: string[] = [];
    let sessionPresent: boolean | undefined;
    await track(
      connectDevice(brokerB.mqttUrl, { ...device, secret }, { clean: false }, (client) => {
        client.once('connect', (connack) => (sessionPresent = connack.sessionPresent));
        client.on('message', (topic) => queued.push(topic));
      }),
    );
    // [MQTT-3.2.2-3]: the session in Redis is gone, so is its queued command.
    expect(sessionPresent).toBe(false);
    const after = await retainedOn(brokerA, 'after');
    await expect
      .poll(() => [...after], { timeout: 10_000 })
      .toEqual([`devices/${device.id}/status`]);
    expect(queued).toEqual([]);
  });

  it('withholds on one broker a retained message published through the other once its credential is revoked', async () => {
    const onA = await track(connectDevice(brokerA.mqttUrl, device));
    await onA.publishAsync(`devices/${device.id}/config`, 'v1', { qos: 1, retain: true });
    const before = await retainedOn(brokerB, 'before');
    await expect
      .poll(() => before.has(`devices/${device.id}/config`), { timeout: 10_000 })
      .toBe(true);

    const [credential] = await database.db
      .select({ id: deviceCredentials.id })
      .from(deviceCredentials)
      .where(eq(deviceCredentials.deviceId, device.id));
    await revokeDeviceCredential(database.db, credential!.id);
    await expect.poll(() => onA.connected, { timeout: 10_000 }).toBe(false);

    const withheld = await readMetric(brokerB, 'twinwire_broker_retained_withheld_total');
    const after = await retainedOn(brokerB, 'after');
    await expect
      .poll(() => readMetric(brokerB, 'twinwire_broker_retained_withheld_total'), {
        timeout: 10_000,
      })
      .toBeGreaterThan(withheld);
    expect(after.has(`devices/${device.id}/config`)).toBe(false);
  });
});
