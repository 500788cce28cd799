/**
 * A broker under test, in a process of its own so its CPU and memory are its own: the
 * load generators run in the parent. Either the real broker (`createBroker`, as main.ts
 * builds it) or, as baselines, plain aedes with none of our hooks and a relay that only frames
 * packets (node-relay.ts), the floor for any Node broker. Driven over the fork
 * IPC channel (broker-protocol.ts); exits when the parent goes away.
 */
import { createServer } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { createDb } from '@twinwire/db/client';
import { Aedes } from 'aedes';
import pino from 'pino';
import { createBroker } from '../src/broker.ts';
import { readBrokerConfig } from '../src/config.ts';
import { closeServer, listen } from '../src/listen.ts';
import type { BrokerReply, BrokerRequest, BrokerStats } from './broker-protocol.ts';
import { createNodeRelay } from './node-relay.ts';
import { createWsBroadcast } from './ws-broadcast.ts';

function reply(message: BrokerReply): void {
  process.send?.(message);
}

function stats(collectGarbage: boolean): BrokerStats {
  // --expose-gc is passed by the parent; without it the numbers include garbage.
  if (collectGarbage) globalThis.gc?.();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
  };
}

let close: (() => Promise<void>) | undefined;

async function startTwinwire(request: Extract<BrokerRequest, { kind: 'twinwire' }>) {
  const config = readBrokerConfig(request.env);
  const db = createDb({ url: request.databaseUrl, applicationName: 'twinwire-broker-bench' });
  const broker = await createBroker({
    config,
    db,
    databaseUrl: request.databaseUrl,
    log: pino({ level: config.LOG_LEVEL }, pino.destination(2)),
  });
  close = async () => {
    await broker.close();
    await db.close();
  };
  reply({ type: 'ready', mqttPort: broker.addresses.mqtt, httpPort: broker.addresses.http });
}

async function startRelay() {
  const server = createNodeRelay();
  const port = await listen(server, 0, '127.0.0.1', 'relay');
  close = () => closeServer(server);
  reply({ type: 'ready', mqttPort: port, httpPort: 0 });
}

async function startWsBroadcast() {
  const broadcast = createWsBroadcast();
  const port = await listen(broadcast.server, 0, '127.0.0.1', 'ws-broadcast');
  close = () => {
    broadcast.dropClients();
    return closeServer(broadcast.server);
  };
  reply({ type: 'ready', mqttPort: port, httpPort: 0 });
}

async function startAedes() {
  const aedes = await Aedes.createBroker();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  const port = await listen(server, 0, '127.0.0.1', 'aedes');
  close = async () => {
    const stopped = closeServer(server);
    await new Promise<void>((resolve) => {
      aedes.close(() => {
        resolve();
      });
    });
    await stopped;
  };
  reply({ type: 'ready', mqttPort: port, httpPort: 0 });
}

async function handle(request: BrokerRequest): Promise<void> {
  switch (request.type) {
    case 'start':
      switch (request.kind) {
        case 'twinwire':
          await startTwinwire(request);
          return;
        case 'aedes':
          await startAedes();
          return;
        case 'relay':
          await startRelay();
          return;
        case 'ws-broadcast':
          await startWsBroadcast();
          return;
      }
      return;
    case 'stats':
      reply({ type: 'stats', stats: stats(request.gc) });
      return;
    case 'heap-snapshot':
      globalThis.gc?.();
      reply({ type: 'heap-snapshot', path: writeHeapSnapshot(request.path) });
      return;
    case 'stop':
      await close?.();
      close = undefined;
      reply({ type: 'stopped' });
      process.disconnect();
      return;
  }
}

process.on('message', (request: BrokerRequest) => {
  handle(request).catch((error: unknown) => {
    reply({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  });
});
// The parent died or is done with us: never linger as an orphan holding ports.
process.on('disconnect', () => {
  void (close?.() ?? Promise.resolve()).finally(() => process.exit(0));
});
