import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, expect, it } from 'vitest';
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

/** A raw MQTT client: packets in and out, and nothing done for it. */
async function rawClient(port: number) {
  const socket = await rawSocket(port);
  const parser = mqttPacket.parser();
  const received: string[] = [];
  parser.on('packet', (packet) => received.push(packet.cmd));
  socket.on('data', (data) => parser.parse(data));
  const send = (packet: mqttPacket.Packet) => socket.write(mqttPacket.generate(packet));
  return { socket, received, send };
}

it('disconnects a client holding more than MQTT_MAX_INFLIGHT_QOS2 QoS 2 messages without PUBREL', async () => {
  harness = await startBroker({ MQTT_MAX_INFLIGHT_QOS2: '2' });
  const secret = await harness.provision('hoarder');
  const { socket, received, send } = await rawClient(harness.broker.addresses.mqtt);
  send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: 'hoarder',
    keepalive: 60,
    username: 'hoarder',
    password: Buffer.from(secret),
  });
  await expect.poll(() => received).toContain('connack');
  for (const messageId of [1, 2, 3]) {
    send({
      cmd: 'publish',
      topic: 'devices/hoarder/telemetry',
      payload: JSON.stringify({ ts: Date.now(), seq: messageId, metrics: { v: 1 } }),
      qos: 2,
      messageId,
      retain: false,
      dup: false,
    });
    // Each PUBREC is withheld from PUBREL: the third exceeds the window.
    if (messageId < 3)
      await expect.poll(() => received.filter((cmd) => cmd === 'pubrec').length).toBe(messageId);
  }
  await closed(socket);
  expect(received.filter((cmd) => cmd === 'pubrec')).toHaveLength(2);
});

it('disconnects a subscriber that stops reading, without stalling delivery to the others', async () => {
  harness = await startBroker({ MQTT_DRAIN_TIMEOUT_MS: '500', MQTT_MAX_PUBLISH_RATE: '0' });
  const stalled = await rawClient(harness.broker.addresses.mqtt);
  stalled.send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: 'service/stalled',
    keepalive: 60,
    username: 'service',
    password: Buffer.from(SERVICE_SECRET),
  });
  await expect.poll(() => stalled.received).toContain('connack');
  stalled.send({
    cmd: 'subscribe',
    messageId: 1,
    subscriptions: [{ topic: 'devices/+/commands/+', qos: 0 }],
  });
  await expect.poll(() => stalled.received).toContain('suback');
  stalled.socket.pause();

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
  stalled.socket.destroy();
});
