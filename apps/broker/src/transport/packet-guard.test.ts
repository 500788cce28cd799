import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GuardViolationCode } from './guard-violation.ts';
import { GuardViolationError } from './guard-violation.ts';
import type { PacketGuardOptions } from './packet-guard.ts';
import {
  closeOf,
  connectRaw,
  nextMessage,
  startTestBroker,
} from '../../test/helpers/transport-broker.ts';
import type { TestBroker } from '../../test/helpers/transport-broker.ts';
import {
  connect,
  DISCONNECT,
  frame,
  PINGREQ,
  publish,
  subscribe,
  unsubscribe,
} from '../../test/helpers/transport-packets.ts';

let broker: TestBroker;
const clients: MqttClient[] = [];
const sockets: Socket[] = [];

async function startBroker(options: Partial<PacketGuardOptions> = {}): Promise<void> {
  broker = await startTestBroker(options);
}

async function raw(): Promise<Socket> {
  const socket = await connectRaw(broker.tcpPort);
  sockets.push(socket);
  return socket;
}

async function mqttClient(clientId: string): Promise<MqttClient> {
  const client = await connectAsync(`mqtt://127.0.0.1:${broker.tcpPort}`, {
    clientId,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return client;
}

/** Sends `bytes` from a fresh raw client and expects the broker to close it for `code`. */
async function expectViolation(code: GuardViolationCode, ...packets: Buffer[]): Promise<void> {
  const socket = await raw();
  socket.write(Buffer.concat(packets));
  await closeOf(socket);
  expect(broker.violations.map((violation) => violation.code)).toEqual([code]);
}

beforeEach(async () => {
  await startBroker();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  for (const socket of sockets.splice(0)) socket.destroy();
  await broker.close();
});

describe('packet guard between a TCP socket and aedes', () => {
  it('lets a well-formed session through to aedes and back', async () => {
    const subscriber = await mqttClient('subscriber');
    await subscriber.subscribeAsync('température/°C', { qos: 1 });
    const publisher = await mqttClient('publisher');
    const received = nextMessage(subscriber);
    await publisher.publishAsync('température/°C', Buffer.alloc(1024, 7), { qos: 1 });
    const { topic, payload } = await received;
    expect(topic).toBe('température/°C');
    expect(payload.equals(Buffer.alloc(1024, 7))).toBe(true);
    expect(broker.violations).toEqual([]);
  });

  it('reports a violation to aedes as a GuardViolationError with its code', async () => {
    await expectViolation('FIRST_PACKET_NOT_CONNECT', PINGREQ);
    await expect.poll(() => broker.connectionErrors).toHaveLength(1);
    expect(broker.connectionErrors[0]).toBeInstanceOf(GuardViolationError);
    expect(broker.connectionErrors[0]).toMatchObject({ code: 'FIRST_PACKET_NOT_CONNECT' });
  });

  describe('framing', () => {
    it('closes a connection whose first packet is not CONNECT [MQTT-3.1.0-1]', async () => {
      await expectViolation('FIRST_PACKET_NOT_CONNECT', publish('a'));
    });

    it('closes a connection that sends a second CONNECT [MQTT-3.1.0-2]', async () => {
      await expectViolation('SECOND_CONNECT', connect(), connect());
    });

    it.each([
      ['0', Buffer.from([0x00, 0x00])],
      ['15', Buffer.from([0xf0, 0x00])],
    ])(
      'closes a connection that sends reserved packet type %s (MQTT 3.1.1 §2.2.1)',
      async (_type, packet) => {
        await expectViolation('RESERVED_PACKET_TYPE', connect(), packet);
      },
    );

    it('closes a connection whose Remaining Length has a fifth byte (MQTT 3.1.1 §2.2.3)', async () => {
      await expectViolation(
        'MALFORMED_REMAINING_LENGTH',
        Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]),
      );
    });

    it.each([
      ['SUBSCRIBE with flags 0 [MQTT-3.8.1-1]', subscribe('a', 0)],
      ['UNSUBSCRIBE with flags 0 [MQTT-3.10.1-1]', unsubscribe('a', 0)],
      ['PUBREL with flags 0 [MQTT-3.6.1-1]', Buffer.from([0x60, 0x02, 0x00, 0x01])],
      ['PUBLISH with QoS 3 [MQTT-3.3.1-4]', frame(0x36, Buffer.from([0, 1, 0x61, 0, 1]))],
      ['PINGREQ with a reserved flag set [MQTT-2.2.2-2]', Buffer.from([0xc1, 0x00])],
      ['PUBACK with a reserved flag set [MQTT-2.2.2-2]', Buffer.from([0x48, 0x02, 0x00, 0x01])],
    ])('closes a connection that sends %s', async (_name, packet) => {
      await expectViolation('INVALID_FIXED_HEADER_FLAGS', connect(), packet);
    });

    it('closes a connection whose CONNECT has a reserved flag set [MQTT-2.2.2-2]', async () => {
      const bad = connect();
      bad[0] = 0x11;
      await expectViolation('INVALID_FIXED_HEADER_FLAGS', bad);
    });
  });

  describe('strings [MQTT-1.5.3-1] [MQTT-1.5.3-2]', () => {
    const illFormed = Buffer.from([0x61, 0xc3, 0x28]); // 'a' and a broken two-byte sequence
    const surrogate = Buffer.from([0xed, 0xa0, 0x80]); // U+D800 encoded as if it were a character
    const withNul = Buffer.from([0x61, 0x00, 0x62]);

    it.each([
      ['the client id', connect({ clientId: illFormed })],
      ['the client id (a UTF-16 surrogate)', connect({ clientId: surrogate })],
      ['the will topic', connect({ will: { topic: illFormed } })],
      ['the user name', connect({ username: illFormed, password: 'secret' })],
    ])('closes a connection with ill-formed UTF-8 in %s of CONNECT', async (_name, packet) => {
      await expectViolation('INVALID_UTF8', packet);
    });

    it.each([
      ['the PUBLISH topic', publish(illFormed)],
      ['a SUBSCRIBE filter', subscribe(illFormed)],
      ['an UNSUBSCRIBE filter', unsubscribe(illFormed)],
    ])('closes a connection with ill-formed UTF-8 in %s', async (_name, packet) => {
      await expectViolation('INVALID_UTF8', connect(), packet);
    });

    it.each([
      ['the client id', connect({ clientId: withNul })],
      ['the will topic', connect({ will: { topic: withNul } })],
      ['the user name', connect({ username: withNul })],
    ])('closes a connection with U+0000 in %s of CONNECT', async (_name, packet) => {
      await expectViolation('NUL_IN_STRING', packet);
    });

    it.each([
      ['the PUBLISH topic', publish(withNul)],
      ['a SUBSCRIBE filter', subscribe(withNul)],
      ['an UNSUBSCRIBE filter', unsubscribe(withNul)],
    ])('closes a connection with U+0000 in %s', async (_name, packet) => {
      await expectViolation('NUL_IN_STRING', connect(), packet);
    });

    it('leaves the password and will message alone: they are binary', async () => {
      const socket = await raw();
      socket.write(
        connect({
          will: { topic: 'w', message: '\u0000\u00ff' },
          username: 'u',
          password: '\u0000',
        }),
      );
      const [connack] = (await once(socket, 'data')) as [Buffer];
      expect([...connack]).toEqual([0x20, 0x02, 0x00, 0x00]);
      expect(broker.violations).toEqual([]);
    });
  });

  describe('topic names', () => {
    it.each(['a/+', 'a/#', '#', '+/b'])(
      'closes a connection publishing to %s: no wildcards in topic names [MQTT-3.3.2-2]',
      async (topic) => {
        await expectViolation('WILDCARD_IN_PUBLISH_TOPIC', connect(), publish(topic));
      },
    );

    it('closes a connection whose will topic has a wildcard [MQTT-4.7.1-1]', async () => {
      await expectViolation('WILDCARD_IN_PUBLISH_TOPIC', connect({ will: { topic: 'dev/#' } }));
    });

    it('closes a connection publishing to an empty topic [MQTT-4.7.3-1]', async () => {
      await expectViolation('EMPTY_TOPIC', connect(), publish(''));
    });

    it('closes a connection subscribing to an empty filter [MQTT-4.7.3-1]', async () => {
      await expectViolation('EMPTY_TOPIC', connect(), subscribe(''));
    });

    it('leaves wildcards in SUBSCRIBE filters to aedes and the ACL', async () => {
      const socket = await raw();
      socket.write(Buffer.concat([connect(), subscribe('a/+/#')]));
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      await expect.poll(() => Buffer.concat(received).length).toBe(4 + 5); // CONNACK, SUBACK
      expect(broker.violations).toEqual([]);
    });
  });

  describe('size limits', () => {
    it('cuts off a CONNECT claiming 256 MiB after its header, without reading on', async () => {
      const socket = await raw();
      socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
      expect(await closeOf(socket)).toBeLessThan(1000);
      expect(broker.violations.map((violation) => violation.code)).toEqual(['CONNECT_TOO_LARGE']);
    });

    it('keeps memory flat while a client streams the body of a 256 MiB CONNECT', async () => {
      const before = process.memoryUsage();
      const socket = await raw();
      const body = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      socket.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
      const closed = closeOf(socket, 5000);
      // Stream as fast as the socket takes it until the broker hangs up (or 64 MiB).
      while (!socket.destroyed && sent < 64 * 1024 * 1024) {
        sent += body.length;
        if (!socket.write(body)) {
          await new Promise((resolve) => {
            socket.once('drain', resolve);
            socket.once('close', resolve);
          });
        }
      }
      expect(await closed).toBeLessThan(5000);
      const after = process.memoryUsage();
      expect(broker.violations.map((violation) => violation.code)).toEqual(['CONNECT_TOO_LARGE']);
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(4 * 1024 * 1024);
      expect(after.rss - before.rss).toBeLessThan(32 * 1024 * 1024);
    });

    it('closes a connection whose CONNECT exceeds maxConnectPacketBytes', async () => {
      await expectViolation(
        'CONNECT_TOO_LARGE',
        connect({ clientId: 'x', username: 'u'.repeat(9000) }),
      );
    });

    it('closes a connection on an oversized PUBLISH once connected, after 1 KiB ones passed', async () => {
      const socket = await raw();
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write(Buffer.concat([connect(), subscribe('t'), publish('t', Buffer.alloc(1024, 1))]));
      // CONNACK (4) + SUBACK (5) + our own 1 KiB publish delivered back (2 + 2 + 1 + 1024 + 1)
      await expect.poll(() => Buffer.concat(received).length).toBe(4 + 5 + 3 + 3 + 1024);
      socket.write(Buffer.from([0x30, 0x80, 0x80, 0x11])); // PUBLISH claiming 272 KiB
      await closeOf(socket);
      expect(broker.violations.map((violation) => violation.code)).toEqual(['PACKET_TOO_LARGE']);
    });
  });
});

describe('publish rate limit', () => {
  beforeEach(async () => {
    await broker.close();
    await startBroker({ maxPublishesPerSecond: 10 });
  });

  it('slows a client past its rate instead of disconnecting it, delivering everything in order', async () => {
    const subscriber = await mqttClient('subscriber');
    await subscriber.subscribeAsync('rate', { qos: 0 });
    const publisher = await mqttClient('publisher');
    let disconnected = false;
    publisher.on('close', () => {
      disconnected = true;
    });

    const arrivals: { index: number; at: number }[] = [];
    subscriber.on('message', (_topic, payload) => {
      arrivals.push({ index: Number(payload.toString()), at: performance.now() });
    });
    const started = performance.now();
    for (let index = 0; index < 20; index++) publisher.publish('rate', String(index), { qos: 0 });

    await expect.poll(() => arrivals.length, { timeout: 5000 }).toBe(20);
    expect(arrivals.map((arrival) => arrival.index)).toEqual([...Array(20).keys()]);
    // A burst of 10 passes at once; the other 10 follow one per 100 ms.
    expect(arrivals[9]!.at - started).toBeLessThan(500);
    expect(arrivals[19]!.at - started).toBeGreaterThanOrEqual(800);
    expect(disconnected).toBe(false);
    expect(publisher.connected).toBe(true);
    expect(broker.violations).toEqual([]);
  });

  it('lets PINGREQ and DISCONNECT through while publishes wait for tokens', async () => {
    const socket = await raw();
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.write(Buffer.concat([connect(), PINGREQ, PINGREQ]));
    await expect.poll(() => Buffer.concat(received).length).toBe(4 + 2 + 2);
    socket.write(DISCONNECT);
    await closeOf(socket);
  });
});
