import { connect, type Socket } from 'node:net';
import type mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { publishPacket, rawClient } from './helpers/raw-client.ts';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

let harness: TestBroker | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else
      socket.once('close', () => {
        resolve();
      });
  });
}

it('closes a socket that sends no CONNECT within MQTT_CONNECT_TIMEOUT_MS', async () => {
  harness = await startBroker({ MQTT_CONNECT_TIMEOUT_MS: '300' });
  const idle = await rawSocket(harness.broker.addresses.mqtt);
  await closed(idle);
  expect(idle.destroyed).toBe(true);
});

it('refuses connections beyond MQTT_MAX_CONNECTIONS at accept, and counts them', async () => {
  harness = await startBroker({ MQTT_MAX_CONNECTIONS: '2', MQTT_CONNECT_TIMEOUT_MS: '10000' });
  const port = harness.broker.addresses.mqtt;
  const kept = [await rawSocket(port), await rawSocket(port)];
  const extra = await rawSocket(port);
  await closed(extra);
  expect(kept.every((socket) => !socket.destroyed)).toBe(true);
  expect((await harness.broker.metrics.connectionsRefused.get()).values[0]?.value).toBe(1);
  for (const socket of kept) socket.destroy();
});

it('disconnects a client holding more than MQTT_MAX_INFLIGHT_QOS2 QoS 2 messages without PUBREL', async () => {
  harness = await startBroker({ MQTT_MAX_INFLIGHT_QOS2: '2' });
  const secret = await harness.provision('hoarder');
  const client = await rawClient(harness.broker.addresses.mqtt, {
    protocolVersion: 4,
    clientId: 'hoarder',
    username: 'hoarder',
    password: Buffer.from(secret),
  });
  const pubrecs = () => client.received.filter((packet) => packet.cmd === 'pubrec').length;
  for (const messageId of [1, 2, 3]) {
    client.send(
      publishPacket({
        topic: 'devices/hoarder/telemetry',
        payload: Buffer.from(JSON.stringify({ ts: Date.now(), seq: messageId, metrics: { v: 1 } })),
        qos: 2,
        messageId,
      }),
    );
    // Each PUBREC is withheld from PUBREL: the third exceeds the window.
    if (messageId < 3) await expect.poll(pubrecs).toBe(messageId);
  }
  await client.closed;
  expect(pubrecs()).toBe(2);
});

it('disconnects a subscriber that stops reading, without stalling delivery to the others', async () => {
  harness = await startBroker({ MQTT_DRAIN_TIMEOUT_MS: '500', MQTT_MAX_PUBLISH_RATE: '0' });
  const stalled = await rawClient(harness.broker.addresses.mqtt, {
    protocolVersion: 4,
    clientId: 'service/stalled',
    username: 'service',
    password: Buffer.from(SERVICE_SECRET),
  });
  stalled.send({
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: [{ topic: 'devices/+/commands/+', qos: 0 }],
  });
  await stalled.next((packet) => packet.cmd === 'suback');
  stalled.pause();

  const service = (name: string) =>
    harness!.connect({
      clientId: `service/${name}`,
      username: 'service',
      password: SERVICE_SECRET,
    });
  const healthy = await service('healthy');
  const publisher = await service('publisher');
  await healthy.subscribeAsync('devices/+/commands/+');
  let delivered = 0;
  healthy.on('message', () => (delivered += 1));

  // ~40 MB: more than the stalled socket's kernel buffers on loopback can absorb.
  const payload = Buffer.alloc(64 * 1024, 0x61);
  const count = 600;
  for (let i = 0; i < count; i += 1)
    publisher.publish(`devices/d${i % 10}/commands/fill`, payload, { qos: 0 });
  await expect.poll(() => delivered, { timeout: 30_000 }).toBe(count);
  // Seen from the broker: the stalled client (paused, it cannot notice itself) is gone.
  expect(harness.broker.aedes.connectedClients).toBeLessThanOrEqual(3);
  await expect.poll(() => harness?.broker.aedes.connectedClients, { timeout: 10_000 }).toBe(2);
  stalled.end();
});

describe('a QoS 2 burst past MQTT_MAX_INFLIGHT_QOS2 (issue #13.4)', () => {
  const burst = (deviceId: string) =>
    Array.from({ length: 101 }, (_, i) =>
      publishPacket({
        topic: `devices/${deviceId}/telemetry`,
        payload: Buffer.from(JSON.stringify({ ts: Date.now(), seq: i + 1, metrics: { v: i } })),
        qos: 2,
        messageId: i + 1,
      }),
    );

  it.each([
    [4, 'the connection closes (3.1.1 has no reason code)'],
    [5, 'DISCONNECT 0x93 follows [MQTT-3.3.4-9]'],
  ] as const)(
    'MQTT protocol level %i: the 100 PUBRECs earned arrive before the close; %s',
    async (protocolVersion, _outcome) => {
      harness = await startBroker({ MQTT_MAX_INFLIGHT_QOS2: '100' });
      const deviceId = `burst-${protocolVersion}`;
      const secret = await harness.provision(deviceId);
      const client = await rawClient(harness.broker.addresses.mqtt, {
        protocolVersion,
        clientId: deviceId,
        username: deviceId,
        password: Buffer.from(secret),
      });
      client.send(...burst(deviceId));
      await client.closed;
      const answers = client.received.slice(1);
      const pubrecs = answers.filter((p) => p.cmd === 'pubrec');
      expect(pubrecs.map((p) => p.messageId)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      if (protocolVersion === 5) {
        expect(answers.at(-1)).toMatchObject({ cmd: 'disconnect', reasonCode: 0x93 });
      }
    },
  );
});

describe('topics deeper than MQTT_MAX_TOPIC_LEVELS (issue #13.5)', () => {
  const deep = Array.from({ length: 101 }, (_, i) => `l${i}`).join('/');

  it('answers an MQTT 3.1.1 SUBSCRIBE with 0x80 and a PUBLISH with an acknowledged drop, counted, connection kept', async () => {
    harness = await startBroker();
    const client = await rawClient(harness.broker.addresses.mqtt, {
      protocolVersion: 4,
      clientId: 'deep-v3',
      username: 'service',
      password: Buffer.from(SERVICE_SECRET),
    });
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: deep, qos: 1 },
        { topic: 'devices/+/status', qos: 1 },
      ],
    });
    const suback = await client.next<mqttPacket.ISubackPacket>((p) => p.cmd === 'suback');
    expect(suback.granted).toEqual([0x80, 1]);
    client.send(publishPacket({ topic: `devices/${deep}`, qos: 1, messageId: 2 }));
    await client.next((p) => p.cmd === 'puback' && p.messageId === 2);
    client.send({ cmd: 'pingreq' });
    await client.next((p) => p.cmd === 'pingresp');
    const counted = await harness.broker.metrics.topicsTooDeep.get();
    expect(Object.fromEntries(counted.values.map((v) => [v.labels.packet, v.value]))).toEqual({
      subscribe: 1,
      publish: 1,
    });
    client.end();
  });
});
