import { setTimeout as sleep } from 'node:timers/promises';
import { devices } from '@twinwire/db/schema';
import { eq } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

let harness: TestBroker;
beforeAll(async () => {
  harness = await startBroker();
});
afterAll(() => harness.close());

function service(name: string, options: { clean?: boolean } = {}): Promise<MqttClient> {
  return harness.connect({
    clientId: `service/${name}`,
    username: 'service',
    password: SERVICE_SECRET,
    ...options,
  });
}

function messages(client: MqttClient): { topic: string; payload: unknown; retain: boolean }[] {
  const seen: { topic: string; payload: unknown; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => {
    seen.push({ topic, payload: JSON.parse(payload.toString()) as unknown, retain: packet.retain });
  });
  return seen;
}

describe('presence', () => {
  it('publishes retained online and offline status and records it in the devices table', async () => {
    const secret = await harness.provision('presence-1');
    const device = await harness.connect({
      clientId: 'presence-1',
      username: 'presence-1',
      password: secret,
    });
    const late = await service('presence-late');
    const seen = messages(late);
    await late.subscribeAsync('devices/presence-1/status', { qos: 1 });
    await expect
      .poll(() => seen)
      .toEqual([
        {
          topic: 'devices/presence-1/status',
          payload: { online: true, since: expect.any(Number) as number, protocol: 'mqtt' },
          retain: true,
        },
      ]);
    const [online] = await harness.database.db
      .select()
      .from(devices)
      .where(eq(devices.id, 'presence-1'));
    expect(online).toMatchObject({ online: true, lastProtocol: 'mqtt' });

    await device.endAsync();
    await expect.poll(() => seen.at(-1)?.payload).toMatchObject({ online: false });
    await expect
      .poll(
        async () =>
          (await harness.database.db.select().from(devices).where(eq(devices.id, 'presence-1')))[0]
            ?.online,
      )
      .toBe(false);
  });

  it('reports the transport a device used: MQTT over WebSocket', async () => {
    const secret = await harness.provision('presence-ws');
    await harness.connect({
      clientId: 'presence-ws',
      username: 'presence-ws',
      password: secret,
      transport: 'ws',
    });
    await expect
      .poll(
        async () =>
          (await harness.database.db.select().from(devices).where(eq(devices.id, 'presence-ws')))[0]
            ?.lastProtocol,
      )
      .toBe('mqtt-ws');
  });

  it('keeps last-seen current while a device publishes', async () => {
    const secret = await harness.provision('presence-seen');
    const device = await harness.connect({
      clientId: 'presence-seen',
      username: 'presence-seen',
      password: secret,
    });
    const [before] = await harness.database.db
      .select()
      .from(devices)
      .where(eq(devices.id, 'presence-seen'));
    await sleep(50);
    await device.publishAsync(
      'devices/presence-seen/telemetry',
      JSON.stringify({ ts: Date.now(), seq: 1, metrics: { t: 1 } }),
      { qos: 1 },
    );
    await expect
      .poll(
        async () =>
          (
            await harness.database.db.select().from(devices).where(eq(devices.id, 'presence-seen'))
          )[0]?.lastSeenAt?.getTime(),
        { timeout: 3_000 },
      )
      .toBeGreaterThan(before?.lastSeenAt?.getTime() ?? 0);
  });
});

const WILL = { online: false, since: Date.UTC(2026, 0, 1), protocol: 'mqtt' };

describe('MQTT session features', () => {
  it('delivers the retained message to a later subscriber [MQTT-3.3.1-6]', async () => {
    const publisher = await service('retain-pub');
    await publisher.publishAsync(
      'devices/retained-1/commands/config',
      JSON.stringify({ id: 'c1', args: {} }),
      { qos: 1, retain: true },
    );
    const subscriber = await service('retain-sub');
    const seen = messages(subscriber);
    await subscriber.subscribeAsync('devices/retained-1/commands/+');
    await expect
      .poll(() => seen)
      .toEqual([
        {
          topic: 'devices/retained-1/commands/config',
          payload: { id: 'c1', args: {} },
          retain: true,
        },
      ]);
  });

  it('publishes a device’s last will when it disappears without DISCONNECT [MQTT-3.1.2-8]', async () => {
    const secret = await harness.provision('will-1');
    const device = await harness.connect({
      clientId: 'will-1',
      username: 'will-1',
      password: secret,
      will: {
        topic: 'devices/will-1/status',
        payload: Buffer.from(JSON.stringify(WILL)),
        qos: 1,
        retain: false,
      },
    });
    const watcher = await service('will-watch');
    const seen = messages(watcher);
    await watcher.subscribeAsync('devices/will-1/status', { qos: 1 });
    device.stream.destroy();
    await expect.poll(() => seen.map((message) => message.payload)).toContainEqual(WILL);
  });

  it('queues QoS 1 messages for an offline persistent session and delivers them on reconnect [MQTT-3.1.2-5]', async () => {
    const secret = await harness.provision('sleepy');
    const first = await harness.connect({
      clientId: 'sleepy',
      username: 'sleepy',
      password: secret,
      clean: false,
    });
    await first.subscribeAsync('devices/sleepy/commands/#', { qos: 1 });
    await first.endAsync();

    const operator = await service('sleepy-operator');
    await operator.publishAsync(
      'devices/sleepy/commands/reboot',
      JSON.stringify({ id: 'r1', args: {} }),
      { qos: 1 },
    );

    let seen: ReturnType<typeof messages> = [];
    await harness.connect(
      { clientId: 'sleepy', username: 'sleepy', password: secret, clean: false },
      (client) => {
        seen = messages(client);
      },
    );
    await expect
      .poll(() => seen.map((message) => message.topic))
      .toEqual(['devices/sleepy/commands/reboot']);
  });
});
