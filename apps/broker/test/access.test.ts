import { setTimeout as sleep } from 'node:timers/promises';
import { revokeDeviceCredential } from '@twinwire/db/device-credentials';
import { aclRules, deviceCredentials, devices } from '@twinwire/db/schema';
import { eq } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';
import { grantedQos } from './helpers/subscribe.ts';

let harness: TestBroker;
beforeAll(async () => {
  harness = await startBroker();
});
afterAll(() => harness.close());

let nextId = 0;
async function device(prefix: string): Promise<{ id: string; client: MqttClient }> {
  nextId += 1;
  const id = `${prefix}-${nextId}`;
  const secret = await harness.provision(id);
  return { id, client: await harness.connect({ clientId: id, username: id, password: secret }) };
}

function service(name: string): Promise<MqttClient> {
  return harness.connect({
    clientId: `service/${name}`,
    username: 'service',
    password: SERVICE_SECRET,
  });
}

function collect(client: MqttClient): string[] {
  const seen: string[] = [];
  client.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  return seen;
}

const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, metrics: { t: seq } });

describe('subscriptions', () => {
  it('grants a device its own command topics and refuses everyone else’s with SUBACK 0x80 [MQTT-3.9.3-2]', async () => {
    const { id, client } = await device('sub');
    expect(
      await grantedQos(client, [
        `devices/${id}/commands/#`,
        `devices/${id}/errors`,
        'devices/other/commands/#',
        'devices/+/telemetry',
        '#',
        '$SYS/#',
      ]),
    ).toEqual([0, 0, 128, 128, 128, 128]);
    expect(client.connected).toBe(true);
  });
});

describe('publishes', () => {
  it('acknowledges but drops a denied publish, tells the device why, and keeps it connected [MQTT-3.3.5-2]', async () => {
    const { id, client } = await device('pub');
    const watcher = await service('watch-denied');
    const forwarded = collect(watcher);
    await watcher.subscribeAsync('devices/#', { qos: 1 });
    await client.subscribeAsync(`devices/${id}/errors`);
    const errors = collect(client);

    await client.publishAsync('devices/victim/telemetry', reading(1), { qos: 1 });
    await client.publishAsync(`devices/${id}/commands/reboot`, '{}', { qos: 0 });
    const allowed = reading(2);
    await client.publishAsync(`devices/${id}/telemetry`, allowed, { qos: 1 });

    await expect.poll(() => errors.length).toBe(2);
    expect(errors.map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as unknown)).toEqual([
      {
        code: 'TWW_ACL_DENIED',
        message: 'you may not publish to this topic',
        topic: 'devices/victim/telemetry',
      },
      {
        code: 'TWW_ACL_DENIED',
        message: 'you may not publish to this topic',
        topic: `devices/${id}/commands/reboot`,
      },
    ]);
    await expect.poll(() => forwarded).toContain(`devices/${id}/telemetry ${allowed}`);
    const topics = forwarded.map((line) => line.slice(0, line.indexOf(' ')));
    expect(
      topics.filter((topic) => topic.startsWith('devices/victim') || topic.includes('/commands/')),
    ).toEqual([]);
    expect(client.connected).toBe(true);
    const stored = await harness.database.pool.query(
      'SELECT device_id FROM telemetry WHERE device_id = $1',
      ['victim'],
    );
    expect(stored.rowCount).toBe(0);
  });
});

describe('rules from PostgreSQL, hot-reloaded', () => {
  it('applies a new deny rule to new subscriptions and to deliveries on existing ones within seconds', async () => {
    const { id, client } = await device('hot');
    const operator = await service('watch-hot');
    const delivered = collect(operator);
    await operator.subscribeAsync(`devices/${id}/telemetry`, { qos: 1 });
    await client.publishAsync(`devices/${id}/telemetry`, reading(1), { qos: 1 });
    await expect.poll(() => delivered.length).toBe(1);

    await harness.database.db
      .insert(aclRules)
      .values({ effect: 'deny', action: 'subscribe', topic: `devices/${id}/#`, role: 'service' });
    await expect
      .poll(async () => grantedQos(operator, [`devices/${id}/errors`]), { timeout: 5_000 })
      .toEqual([128]);

    await client.publishAsync(`devices/${id}/telemetry`, reading(2), { qos: 1 });
    await sleep(200);
    expect(delivered.filter((line) => line.startsWith(`devices/${id}/telemetry `))).toHaveLength(1);
  });

  it('lets a per-device rule grant what the role does not, once it is added', async () => {
    const { id: watcherId, client: watcher } = await device('peer');
    const { id: peerId } = await device('peer');
    expect(await grantedQos(watcher, [`devices/${peerId}/telemetry`])).toEqual([128]);
    await harness.database.db.insert(aclRules).values({
      effect: 'allow',
      action: 'subscribe',
      topic: `devices/${peerId}/telemetry`,
      principalKind: 'device',
      principalId: watcherId,
    });
    await expect
      .poll(async () => grantedQos(watcher, [`devices/${peerId}/telemetry`]), { timeout: 5_000 })
      .toEqual([0]);
  });
});

describe('revocation', () => {
  it('disconnects a connected device within seconds of its credential being revoked', async () => {
    const { id, client } = await device('revoked');
    const [credential] = await harness.database.db
      .select({ id: deviceCredentials.id })
      .from(deviceCredentials)
      .where(eq(deviceCredentials.deviceId, id));
    await revokeDeviceCredential(harness.database.db, credential!.id);
    await expect.poll(() => client.connected, { timeout: 5_000 }).toBe(false);
  });

  it('cuts off a revoked device even when the change notification never came (the periodic sweep)', async () => {
    const { id, client } = await device('unnotified');
    await harness.database.pool.query(
      'ALTER TABLE device_credentials DISABLE TRIGGER device_credentials_access_changed',
    );
    try {
      await harness.database.pool.query(
        'UPDATE device_credentials SET revoked_at = now() WHERE device_id = $1',
        [id],
      );
      await expect.poll(() => client.connected, { timeout: 5_000 }).toBe(false);
    } finally {
      await harness.database.pool.query(
        'ALTER TABLE device_credentials ENABLE TRIGGER device_credentials_access_changed',
      );
    }
  });

  it('disconnects a connected device within seconds of the device being deleted', async () => {
    const { id, client } = await device('deleted');
    await harness.database.db.delete(devices).where(eq(devices.id, id));
    await expect.poll(() => client.connected, { timeout: 5_000 }).toBe(false);
  });
});
