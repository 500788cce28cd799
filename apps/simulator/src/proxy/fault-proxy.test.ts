import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startFaultProxy } from './fault-proxy.ts';

/** A TCP echo server on a free loopback port. */
async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  // The proxy cuts connections with a reset; the tests watch for 'close'.
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Collects what arrives on a socket until `bytes` bytes came. */
function receive(socket: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (received >= bytes) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => {
      reject(new Error(`closed after ${received} of ${bytes} bytes`));
    });
  });
}

/** A seeded generator (mulberry32) so the faults are reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(faults: Parameters<typeof startFaultProxy>[0]['faults'] = {}) {
  const echo = await startEcho();
  cleanups.push(() => echo.close());
  const proxy = await startFaultProxy({
    target: { host: '127.0.0.1', port: echo.port },
    faults,
    random: seeded(42),
  });
  cleanups.push(() => proxy.close());
  return { echo, proxy };
}

/** Resolves when the socket closes, however it closed (events.once would reject on 'error'). */
function closed(socket: net.Socket): Promise<void> {
  socket.on('error', () => undefined);
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
}

describe('startFaultProxy', () => {
  it('forwards both ways and builds URLs for its port', async () => {
    const { proxy } = await setup();
    expect(proxy.url('mqtt')).toBe(`mqtt://127.0.0.1:${proxy.port}`);
    const socket = await connect(proxy.port);
    const reply = receive(socket, 5);
    socket.write('hello');
    expect((await reply).toString()).toBe('hello');
    expect(proxy.stats()).toMatchObject({
      connections: 1,
      open: 1,
      bytesToServer: 5,
      bytesToClient: 5,
    });
    socket.destroy();
  });

  it('keeps the byte order under latency and jitter', async () => {
    const { proxy } = await setup({ latencyMs: 5, jitterMs: 5 });
    const socket = await connect(proxy.port);
    const messages = Array.from({ length: 200 }, (_, i) => `<${i}>`);
    const expected = messages.join('');
    const reply = receive(socket, expected.length);
    for (const message of messages) {
      socket.write(message);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await reply).toString()).toBe(expected);
    socket.destroy();
  });

  it('delivers everything, in order, through a bandwidth cap', async () => {
    const { proxy } = await setup({ bandwidthBytesPerSecond: 200_000 });
    const socket = await connect(proxy.port);
    const payload = Buffer.alloc(60_000);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const reply = receive(socket, payload.length);
    const started = performance.now();
    socket.write(payload);
    const echoed = await reply;
    const seconds = (performance.now() - started) / 1000;
    expect(echoed.equals(payload)).toBe(true);
    // 60 kB each way at 200 kB/s cannot arrive much faster than 0.3 s; rough, never flaky.
    expect(seconds).toBeGreaterThan(0.2);
    socket.destroy();
  });

  it('applies changed faults to new traffic', async () => {
    const { proxy } = await setup();
    proxy.setFaults({ latencyMs: 50 });
    const socket = await connect(proxy.port);
    const reply = receive(socket, 2);
    const started = performance.now();
    socket.write('hi');
    await reply;
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    socket.destroy();
  });

  it('cuts open connections during an outage, refuses new ones, then recovers', async () => {
    const { proxy } = await setup();
    const before = await connect(proxy.port);
    const cut = closed(before);
    const ended = proxy.outage(300);
    await cut;
    expect(proxy.stats()).toMatchObject({ open: 0, dropped: 1 });

    const during = net.connect({ host: '127.0.0.1', port: proxy.port });
    during.on('data', () => expect.fail('no byte may pass during an outage'));
    await closed(during);
    expect(proxy.stats().connections).toBe(1);

    await ended;
    const after = await connect(proxy.port);
    const reply = receive(after, 4);
    after.write('back');
    expect((await reply).toString()).toBe('back');
    after.destroy();
  });

  it('resolves overlapping outages together when the longer one ends', async () => {
    const { proxy } = await setup();
    const started = performance.now();
    const first = proxy.outage(100);
    const second = proxy.outage(250);
    await first;
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
    await second;
  });

  it('drops random connections at the configured rate', async () => {
    const { proxy } = await setup();
    const sockets = await Promise.all([connect(proxy.port), connect(proxy.port)]);
    const allClosed = Promise.all(sockets.map(closed));
    // 1200 per minute: one every 50 ms on average, so both go quickly.
    proxy.setFaults({ dropsPerMinute: 1200 });
    await allClosed;
    expect(proxy.stats()).toMatchObject({ connections: 2, open: 0, dropped: 2 });
  });

  it('closes every open connection when it closes', async () => {
    const { proxy } = await setup();
    const socket = await connect(proxy.port);
    const gone = closed(socket);
    await proxy.close();
    await gone;
    expect(proxy.stats().open).toBe(0);
  });
});
