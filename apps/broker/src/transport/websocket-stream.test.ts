import { once } from 'node:events';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeOf, nextMessage, startTestBroker } from '../../test/helpers/transport-broker.ts';
import type { TestBroker } from '../../test/helpers/transport-broker.ts';
import {
  connect,
  frame,
  PINGREQ,
  publish,
  subscribe,
} from '../../test/helpers/transport-packets.ts';
import { handleProtocols } from './websocket-stream.ts';

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

let broker: TestBroker;
const teardown: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  broker = await startTestBroker();
});

afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step();
  await broker.close();
});

/** A raw WebSocket client that speaks hand-built MQTT and records each message it receives. */
async function rawWs(protocol = 'mqtt'): Promise<{ ws: WebSocket; messages: Buffer[] }> {
  const ws = new WebSocket(broker.wsUrl, protocol);
  ws.on('error', () => undefined);
  const messages: Buffer[] = [];
  ws.on('message', (data) => messages.push(data as Buffer));
  teardown.push(() => {
    ws.terminate();
  });
  await once(ws, 'open');
  return { ws, messages };
}

/**
 * Waits for `expected.length` messages, then for the PINGRESP to a PINGREQ sent after them,
 * and checks that these were all the broker sent, each packet in one message of its own.
 */
async function expectMessages(
  ws: WebSocket,
  messages: Buffer[],
  expected: Buffer[],
): Promise<void> {
  await expect.poll(() => messages.length).toBeGreaterThanOrEqual(expected.length);
  ws.send(PINGREQ);
  await expect.poll(() => messages.length).toBeGreaterThan(expected.length);
  expect(messages.map((message) => [...message])).toEqual(
    [...expected, PINGRESP].map((packet) => [...packet]),
  );
  messages.length = 0;
}

async function mqttClient(url: string, clientId: string): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId, reconnectPeriod: 0 });
  teardown.push(() => client.endAsync(true));
  return client;
}

async function closeCode(ws: WebSocket): Promise<number> {
  const [code] = (await once(ws, 'close')) as [number];
  return code;
}

describe('MQTT over WebSocket', () => {
  it('selects the mqtt subprotocol [MQTT-6.0.0-3] [MQTT-6.0.0-4], or mqttv3.1 for old clients', async () => {
    expect(handleProtocols(new Set(['mqttv3.1', 'mqtt']))).toBe('mqtt');
    expect(handleProtocols(new Set(['mqttv3.1']))).toBe('mqttv3.1');
    expect(handleProtocols(new Set(['chat']))).toBe(false);
    const { ws } = await rawWs();
    expect(ws.protocol).toBe('mqtt');
  });

  it('answers CONNECT with a CONNACK in exactly one WebSocket message', async () => {
    const { ws, messages } = await rawWs();
    ws.send(
      generate({
        cmd: 'connect',
        clientId: 'ws-raw',
        protocolVersion: 4,
        clean: true,
        keepalive: 60,
      }),
    );
    await expectMessages(ws, messages, [CONNACK]);
  });

  it('answers a QoS 1 PUBLISH with a PUBACK in exactly one WebSocket message', async () => {
    const { ws, messages } = await rawWs();
    ws.send(connect());
    await expectMessages(ws, messages, [CONNACK]);
    ws.send(publish('nobody/listens', Buffer.alloc(100, 1), 1));
    await expectMessages(ws, messages, [Buffer.from([0x40, 0x02, 0x00, 0x01])]);
  });

  it('delivers a 100 B PUBLISH to a subscriber in exactly one WebSocket message', async () => {
    const { ws, messages } = await rawWs();
    ws.send(connect());
    await expectMessages(ws, messages, [CONNACK]);
    ws.send(subscribe('news'));
    await expectMessages(ws, messages, [Buffer.from([0x90, 0x03, 0x00, 0x01, 0x00])]);
    const publisher = await mqttClient(`mqtt://127.0.0.1:${broker.tcpPort}`, 'publisher');
    await publisher.publishAsync('news', Buffer.alloc(100, 7));
    await expectMessages(ws, messages, [publish('news', Buffer.alloc(100, 7))]);
  });

  it('reads packets however they are split across WebSocket messages [MQTT-6.0.0-2]', async () => {
    const { ws, messages } = await rawWs();
    const bytes = Buffer.concat([connect(), PINGREQ]);
    for (const byte of bytes) ws.send(Buffer.from([byte]));
    await expect.poll(() => Buffer.concat(messages).length).toBe(CONNACK.length + PINGRESP.length);
    expect(Buffer.concat(messages).equals(Buffer.concat([CONNACK, PINGRESP]))).toBe(true);
  });

  it('closes with 1003 when the client sends a text frame [MQTT-6.0.0-1]', async () => {
    const { ws, messages } = await rawWs();
    ws.send(connect());
    await expectMessages(ws, messages, [CONNACK]);
    const closed = closeCode(ws);
    ws.send('{"hello":"broker"}');
    expect(await closed).toBe(1003);
  });

  it('closes the WebSocket on a guard violation', async () => {
    const { ws, messages } = await rawWs();
    ws.send(connect());
    await expectMessages(ws, messages, [CONNACK]);
    ws.send(publish('a/#'));
    await closeOf(ws);
    expect(broker.violations.map((violation) => violation.code)).toEqual([
      'WILDCARD_IN_PUBLISH_TOPIC',
    ]);
  });

  it('cuts off a CONNECT claiming 256 MiB after its header', async () => {
    const { ws } = await rawWs();
    ws.send(frame(0x10).subarray(0, 1)); // type byte alone, then the length
    ws.send(Buffer.from([0xff, 0xff, 0xff, 0x7f]));
    await closeOf(ws, 1000);
    expect(broker.violations.map((violation) => violation.code)).toEqual(['CONNECT_TOO_LARGE']);
  });

  it('closes the WebSocket normally when aedes closes the client', async () => {
    broker.aedes.on('clientReady', (client) => {
      client.close();
    });
    const { ws } = await rawWs();
    const closed = closeCode(ws);
    ws.send(connect());
    expect(await closed).toBe(1000);
  });

  it('tells aedes when the client closes the WebSocket', async () => {
    const { ws, messages } = await rawWs();
    ws.send(connect({ clientId: 'closer' }));
    await expectMessages(ws, messages, [CONNACK]);
    const disconnected = once(broker.aedes, 'clientDisconnect');
    ws.close(1000);
    const [client] = (await disconnected) as [{ id: string }];
    expect(client.id).toBe('closer');
  });

  it('carries an mqtt.js session over ws:// end to end', async () => {
    const subscriber = await mqttClient(broker.wsUrl, 'ws-subscriber');
    await subscriber.subscribeAsync('sensors/+/temperature', { qos: 1 });
    const publisher = await mqttClient(broker.wsUrl, 'ws-publisher');
    const received = nextMessage(subscriber);
    await publisher.publishAsync('sensors/7/temperature', '21.5', { qos: 1 });
    const { topic, payload } = await received;
    expect(topic).toBe('sensors/7/temperature');
    expect(payload.toString()).toBe('21.5');
    expect(broker.violations).toEqual([]);
  });

  it('carries a burst of publishes in order through the WebSocket back-pressure', async () => {
    const subscriber = await mqttClient(`mqtt://127.0.0.1:${broker.tcpPort}`, 'tcp-subscriber');
    await subscriber.subscribeAsync('burst');
    const received: number[] = [];
    subscriber.on('message', (_topic, payload) => received.push(payload.readUInt32BE(0)));
    const { ws, messages } = await rawWs();
    ws.send(connect());
    await expectMessages(ws, messages, [CONNACK]);
    for (let index = 0; index < 2000; index++) {
      const payload = Buffer.alloc(1024);
      payload.writeUInt32BE(index);
      ws.send(publish('burst', payload));
    }
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(2000);
    expect(received).toEqual([...Array(2000).keys()]);
  });
});
