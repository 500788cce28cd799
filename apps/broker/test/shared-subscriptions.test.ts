import { setTimeout as sleep } from 'node:timers/promises';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from './helpers/raw-client.ts';
import { grantedQos } from './helpers/subscribe.ts';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

/**
 * Shared subscriptions on one broker [MQTT-4.8.2], with mqtt.js v5 and v3.1.1 clients. The
 * cluster (two broker processes on Redis) is test/process/shared-subscriptions-cluster.test.ts.
 */
describe('shared subscriptions on one broker', () => {
  let t: TestBroker;
  let seq = 0;
  const unique = () => `ss${Date.now().toString(36)}${seq++}`;

  beforeAll(async () => {
    t = await startBroker();
  });
  afterAll(async () => {
    await t.close();
  });

  const service = (name: string, protocolVersion: 4 | 5 = 5, options = {}) =>
    t.connect({
      clientId: `${name}-${unique()}`,
      username: 'service',
      password: SERVICE_SECRET,
      protocolVersion,
      ...options,
    });

  function collect(client: MqttClient): IPublishPacket[] {
    const packets: IPublishPacket[] = [];
    client.on('message', (_topic, _payload, packet) => packets.push(packet));
    return packets;
  }

  it('advertises Shared Subscription Available in the v5 CONNACK', async () => {
    let available: boolean | undefined;
    await t.connect(
      { clientId: unique(), username: 'service', password: SERVICE_SECRET, protocolVersion: 5 },
      (client) =>
        client.once('packetreceive', (packet) => {
          if (packet.cmd === 'connack') available = packet.properties?.sharedSubscriptionAvailable;
        }),
    );
    expect(available).toBe(true);
  });

  it('gives each message to one member of each group, round-robin, v5 and v3.1.1 members alike; plain subscribers get every one', async () => {
    const base = `devices/${unique()}`;
    const groupA = [await service('a1'), await service('a2', 4), await service('a3')];
    const groupB = [await service('b1', 4), await service('b2')];
    const plain = await service('plain');
    const byA = groupA.map(collect);
    const byB = groupB.map(collect);
    const all = collect(plain);
    for (const member of groupA) await member.subscribeAsync(`$share/a/${base}/#`, { qos: 1 });
    for (const member of groupB) await member.subscribeAsync(`$share/b/${base}/+/x`, { qos: 1 });
    await plain.subscribeAsync(`${base}/#`, { qos: 1 });
    const publisher = await service('pub');
    for (let i = 0; i < 30; i++)
      await publisher.publishAsync(`${base}/${i}/x`, String(i), { qos: 1 });

    await expect.poll(() => all.length).toBe(30);
    await expect.poll(() => byA.flat().length).toBe(30);
    await expect.poll(() => byB.flat().length).toBe(30);
    const payloads = (received: IPublishPacket[][]) =>
      received
        .flat()
        .map((packet) => Number(packet.payload.toString()))
        .sort((x, y) => x - y);
    const every = Array.from({ length: 30 }, (_, i) => i);
    expect(payloads(byA)).toEqual(every);
    expect(payloads(byB)).toEqual(every);
    expect(byA.map((received) => received.length)).toEqual([10, 10, 10]);
    expect(byB.map((received) => received.length)).toEqual([15, 15]);
  });

  it('delivers at the lower of the message and subscription QoS, QoS 2 once', async () => {
    const base = `devices/${unique()}`;
    const atTwo = await service('qos2');
    const atZero = await service('qos0');
    const byTwo = collect(atTwo);
    const byZero = collect(atZero);
    await atTwo.subscribeAsync(`$share/two/${base}/#`, { qos: 2 });
    await atZero.subscribeAsync(`$share/zero/${base}/#`, { qos: 0 });
    const publisher = await service('pub-qos');
    await publisher.publishAsync(`${base}/m`, 'exactly once', { qos: 2 });
    await expect.poll(() => [byTwo.length, byZero.length]).toEqual([1, 1]);
    expect(byTwo[0]?.qos).toBe(2);
    expect(byZero[0]?.qos).toBe(0);
    await sleep(200);
    expect([byTwo.length, byZero.length]).toEqual([1, 1]);
  });

  it('does not send retained messages when a shared subscription is made (MQTT 5.0 §4.8.2)', async () => {
    const topic = `devices/${unique()}/state`;
    const publisher = await service('retainer');
    await publisher.publishAsync(topic, 'kept', { qos: 1, retain: true });
    const plain = await service('plain-retained');
    const member = await service('member-retained');
    const toPlain = collect(plain);
    const toMember = collect(member);
    await member.subscribeAsync(`$share/r/${topic}`, { qos: 1 });
    await plain.subscribeAsync(topic, { qos: 1 });
    await expect.poll(() => toPlain.length).toBe(1);
    await publisher.publishAsync(topic, 'live', { qos: 1 });
    await expect.poll(() => toMember.map((packet) => packet.payload.toString())).toEqual(['live']);
  });

  it('gives what a member left unacknowledged to another member when its connection ends', async () => {
    const base = `devices/${unique()}`;
    // A member that never acknowledges: a raw client that sends no PUBACK.
    const silent = await rawClient(t.broker.addresses.mqtt, {
      clientId: unique(),
      username: 'service',
      password: Buffer.from(SERVICE_SECRET),
    });
    silent.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: `$share/h/${base}/#`, qos: 1 }],
    });
    await silent.next((packet) => packet.cmd === 'suback');
    const held = () => silent.received.filter((packet) => packet.cmd === 'publish');
    const publisher = await service('pub-h');
    for (let i = 0; i < 4; i++) await publisher.publishAsync(`${base}/m`, String(i), { qos: 1 });
    await expect.poll(() => held().length).toBe(4);

    const other = await service('other');
    const toOther = collect(other);
    await other.subscribeAsync(`$share/h/${base}/#`, { qos: 1 });
    silent.end();
    await expect
      .poll(() => toOther.map((packet) => packet.payload.toString()).sort())
      .toEqual(['0', '1', '2', '3']);
  });

  it('queues for a persistent member while no member is connected, and delivers when it returns', async () => {
    const base = `devices/${unique()}`;
    const clientId = `away-${unique()}`;
    const persistent = { clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await service('unused', 5, persistent);
    await first.subscribeAsync(`$share/q/${base}/#`, { qos: 1 });
    await first.endAsync();
    const publisher = await service('pub-q');
    for (let i = 0; i < 3; i++) await publisher.publishAsync(`${base}/m`, String(i), { qos: 1 });
    const returned: string[] = [];
    await t.connect(
      { username: 'service', password: SERVICE_SECRET, protocolVersion: 5, ...persistent },
      (client) => client.on('message', (_topic, payload) => returned.push(payload.toString())),
    );
    await expect.poll(() => returned).toEqual(['0', '1', '2']);
    // Back in the group with its restored subscription: live deliveries again.
    await publisher.publishAsync(`${base}/m`, '3', { qos: 1 });
    await expect.poll(() => returned).toEqual(['0', '1', '2', '3']);
  });

  it('prefers a connected member to a persistent one away', async () => {
    const base = `devices/${unique()}`;
    const persistent = {
      clientId: `away-${unique()}`,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    };
    const away = await service('unused', 5, persistent);
    await away.subscribeAsync(`$share/p/${base}/#`, { qos: 1 });
    await away.endAsync();
    const connected = await service('connected');
    const toConnected = collect(connected);
    await connected.subscribeAsync(`$share/p/${base}/#`, { qos: 1 });
    const publisher = await service('pub-p');
    for (let i = 0; i < 4; i++) await publisher.publishAsync(`${base}/m`, String(i), { qos: 1 });
    await expect.poll(() => toConnected.length).toBe(4);
    const returned: string[] = [];
    await t.connect(
      { username: 'service', password: SERVICE_SECRET, protocolVersion: 5, ...persistent },
      (client) => client.on('message', (_topic, payload) => returned.push(payload.toString())),
    );
    await sleep(300);
    expect(returned).toEqual([]);
  });

  it('decides on the filter inside $share/{group}/ and refuses malformed ones', async () => {
    const deviceId = unique();
    const secret = await t.provision(deviceId);
    const device = await t.connect({
      clientId: deviceId,
      username: deviceId,
      password: secret,
      protocolVersion: 5,
    });
    expect(
      await grantedQos(device, [
        `$share/g/devices/${deviceId}/commands/#`,
        '$share/g/devices/other/commands/#',
        '$share/g',
        '$share/+/devices/x',
      ]),
    ).toEqual([0, 0x87, 0x8f, 0x8f]);
  });

  it('refuses a publish to a $share/ topic', async () => {
    const publisher = await service('pub-share');
    await expect(
      publisher.publishAsync('$share/g/devices/x', 'no', { qos: 1 }),
    ).rejects.toMatchObject({ code: 0x90 });
  });
});
