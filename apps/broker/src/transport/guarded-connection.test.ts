import { once } from 'node:events';
import { connect as connectTcp, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { connectAsync } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { guardConnection } from './packet-guard.ts';
import type { PacketGuardOptions } from './packet-guard.ts';
import {
  closeOf,
  connectRaw,
  nextMessage,
  startTestBroker,
  TEST_LIMITS,
} from '../../test/helpers/transport-broker.ts';
import type { TestBroker } from '../../test/helpers/transport-broker.ts';
import { connect, DISCONNECT, publish, subscribe } from '../../test/helpers/transport-packets.ts';

const teardown: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step();
});

async function broker(options: Parameters<typeof startTestBroker>[0] = {}): Promise<TestBroker> {
  const started = await startTestBroker(options);
  teardown.push(() => started.close());
  return started;
}

async function raw(port: number): Promise<Socket> {
  const socket = await connectRaw(port);
  teardown.push(() => {
    socket.destroy();
  });
  return socket;
}

async function mqttClient(port: number, clientId: string): Promise<MqttClient> {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, reconnectPeriod: 0 });
  teardown.push(() => client.endAsync(true));
  return client;
}

/** A server whose connections are wrapped by `guardConnection` and handed to the test. */
async function guardedServer(
  options: Partial<PacketGuardOptions> = {},
): Promise<{ port: number; accepted: Promise<[Socket, Duplex]> }> {
  let accept: (pair: [Socket, Duplex]) => void = () => undefined;
  const accepted = new Promise<[Socket, Duplex]>((resolve) => (accept = resolve));
  const server: Server = createServer((socket) => {
    const guarded = guardConnection(socket, { ...TEST_LIMITS, ...options });
    guarded.on('error', () => undefined);
    teardown.push(() => {
      socket.destroy();
    });
    accept([socket, guarded]);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  teardown.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  return { port: (server.address() as AddressInfo).port, accepted };
}

/** A socket stand-in that records how its writes arrive: one entry per `_write`/`_writev` call. */
class RecordingSocket extends Duplex {
  readonly batches: Buffer[] = [];

  override _read(): void {
    // Input is pushed by the test.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.batches.push(chunk);
    callback();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: () => void): void {
    this.batches.push(Buffer.concat(chunks.map(({ chunk }) => chunk)));
    callback();
  }
}

describe('guarded connection lifecycle', () => {
  it('hands aedes each outgoing packet in one socket write, as mqtt-packet corks it', async () => {
    const aedes = await Aedes.createBroker();
    teardown.push(
      () =>
        new Promise<void>((resolve) => {
          aedes.close(resolve);
        }),
    );
    const socket = new RecordingSocket();
    aedes.handle(guardConnection(socket, TEST_LIMITS));
    socket.push(Buffer.concat([connect(), subscribe('t')]));
    await expect.poll(() => socket.batches.length).toBe(2);
    expect(socket.batches.map((batch) => [...batch])).toEqual([
      [0x20, 0x02, 0x00, 0x00], // CONNACK
      [0x90, 0x03, 0x00, 0x01, 0x00], // SUBACK
    ]);
    socket.push(publish('t', Buffer.alloc(100, 1)));
    await expect.poll(() => socket.batches.length).toBe(3);
    expect(socket.batches[2]!.equals(publish('t', Buffer.alloc(100, 1)))).toBe(true);
    socket.destroy();
  });

  it('gives a TCP socket the packets written in one event-loop turn as one write', async () => {
    const { port, accepted } = await guardedServer();
    const client = connectTcp(port, '127.0.0.1');
    teardown.push(() => {
      client.destroy();
    });
    await once(client, 'connect');
    const [socket, guarded] = await accepted;
    const batches: number[] = [];
    const writable = socket as unknown as {
      _write: (chunk: Buffer, encoding: BufferEncoding, cb: () => void) => void;
      _writev: (chunks: { chunk: Buffer }[], cb: () => void) => void;
    };
    const write = writable._write.bind(socket);
    const writev = writable._writev.bind(socket);
    writable._write = (chunk, encoding, cb) => {
      batches.push(chunk.length);
      write(chunk, encoding, cb);
    };
    writable._writev = (chunks, cb) => {
      batches.push(chunks.reduce((sum, { chunk }) => sum + chunk.length, 0));
      writev(chunks, cb);
    };
    const received: Buffer[] = [];
    client.on('data', (chunk: Buffer) => received.push(chunk));
    // As aedes delivers: each packet from an immediate of its own, in pieces under a cork.
    const packets = [publish('a'), publish('b'), publish('c')];
    for (const packet of packets) {
      setImmediate(() => {
        guarded.cork();
        guarded.write(packet.subarray(0, 2));
        guarded.write(packet.subarray(2));
        process.nextTick(() => {
          guarded.uncork();
        });
      });
    }
    const all = Buffer.concat(packets);
    await expect.poll(() => Buffer.concat(received).length).toBe(all.length);
    expect(Buffer.concat(received).equals(all)).toBe(true);
    expect(batches).toEqual([all.length]);
  });

  it('lets aedes see a clean DISCONNECT: the will is not published [MQTT-3.14.4-3]', async () => {
    const { tcpPort, aedes } = await broker();
    const watcher = await mqttClient(tcpPort, 'watcher');
    await watcher.subscribeAsync(['wills', 'sync']);
    const topics: string[] = [];
    watcher.on('message', (topic) => topics.push(topic));
    const socket = await raw(tcpPort);
    const disconnected = once(aedes, 'clientDisconnect');
    socket.write(connect({ clientId: 'leaver', will: { topic: 'wills' } }));
    await once(socket, 'data'); // CONNACK
    socket.end(DISCONNECT);
    await disconnected;
    await closeOf(socket);
    // A will published on close would reach the watcher before this later message.
    await watcher.publishAsync('sync', 'x');
    await expect.poll(() => topics).toContain('sync');
    expect(topics).toEqual(['sync']);
  });

  it('tells aedes when the client drops the socket: the will is published [MQTT-3.1.2-8]', async () => {
    const { tcpPort } = await broker();
    const watcher = await mqttClient(tcpPort, 'watcher');
    await watcher.subscribeAsync('wills');
    const socket = await raw(tcpPort);
    socket.write(connect({ clientId: 'dropper', will: { topic: 'wills', message: 'gone' } }));
    await once(socket, 'data'); // CONNACK
    const will = nextMessage(watcher);
    socket.resetAndDestroy();
    const { topic, payload } = await will;
    expect(topic).toBe('wills');
    expect(payload.toString()).toBe('gone');
  });

  it('closes the socket when aedes closes the client', async () => {
    const { tcpPort, aedes } = await broker();
    aedes.on('clientReady', (client) => {
      client.close();
    });
    const socket = await raw(tcpPort);
    socket.write(connect());
    await closeOf(socket);
  });

  it('delivers QoS 1 publishes still paced by the rate limit after the client half-closed', async () => {
    const { tcpPort } = await broker({ maxPublishesPerSecond: 2 });
    const subscriber = await mqttClient(tcpPort, 'subscriber');
    await subscriber.subscribeAsync('paced');
    const payloads: string[] = [];
    subscriber.on('message', (_topic, payload) => payloads.push(payload.toString()));
    const socket = await raw(tcpPort);
    socket.end(
      Buffer.concat([
        connect(),
        ...['1', '2', '3', '4'].map((n) => publish('paced', Buffer.from(n), 1)),
      ]),
    );
    await expect.poll(() => payloads, { timeout: 3000 }).toEqual(['1', '2', '3', '4']);
  });

  it('completes writes while paced input outlives the socket, so aedes never waits on it', async () => {
    const { port, accepted } = await guardedServer({ maxPublishesPerSecond: 1 });
    const client = connectTcp(port, '127.0.0.1');
    await once(client, 'connect');
    const [socket, guarded] = await accepted;
    guarded.resume();
    client.end(Buffer.concat([connect(), publish('t'), publish('t')]));
    await closeOf(socket);
    expect(guarded.readableEnded).toBe(false); // the second PUBLISH is still paced
    const outcome = await new Promise<string>((resolve) => {
      setTimeout(resolve, 500, 'still waiting');
      guarded.write(Buffer.from([0x40, 0x02, 0x00, 0x01]), (error) => {
        resolve(error == null ? 'written' : 'failed');
      });
    });
    expect(outcome).toBe('written');
    await closeOf(guarded);
  });

  it('destroys the socket when the guarded duplex is destroyed', async () => {
    const { port, accepted } = await guardedServer();
    const client = connectTcp(port, '127.0.0.1');
    client.on('error', () => undefined);
    teardown.push(() => {
      client.destroy();
    });
    const [socket, guarded] = await accepted;
    guarded.destroy();
    await closeOf(client);
    expect(socket.destroyed).toBe(true);
  });

  it('destroys the guarded duplex when the socket is reset, without crashing', async () => {
    const { port, accepted } = await guardedServer();
    const client = connectTcp(port, '127.0.0.1');
    await once(client, 'connect');
    const [, guarded] = await accepted;
    const errors: Error[] = [];
    guarded.on('error', (error) => errors.push(error));
    client.resetAndDestroy();
    await closeOf(guarded);
    expect(errors.map((error) => (error as NodeJS.ErrnoException).code)).toEqual(['ECONNRESET']);
  });

  it('ends the guarded duplex after the socket ends and destroys it once aedes-style reading is done', async () => {
    const { port, accepted } = await guardedServer();
    const client = connectTcp(port, '127.0.0.1');
    await once(client, 'connect');
    const [, guarded] = await accepted;
    const read: Buffer[] = [];
    guarded.on('data', (chunk: Buffer) => read.push(chunk));
    client.end(connect());
    await closeOf(guarded);
    expect(Buffer.concat(read).equals(connect())).toBe(true);
    await closeOf(client);
  });
});
