// Test support: a real aedes behind the transport layer, on TCP and WebSocket port 0.
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import type { MqttClient } from 'mqtt';
import { WebSocketServer } from 'ws';
import type { GuardViolation } from '../../src/transport/guard-violation.ts';
import { guardConnection } from '../../src/transport/packet-guard.ts';
import type { PacketGuardOptions } from '../../src/transport/packet-guard.ts';
import { tuneSocket } from '../../src/transport/tcp.ts';
import { createWebSocketDuplex, handleProtocols } from '../../src/transport/websocket-stream.ts';

export interface TestBroker {
  aedes: Aedes;
  tcpPort: number;
  wsUrl: string;
  violations: GuardViolation[];
  /** What aedes reported through `connectionError` and `clientError`. */
  connectionErrors: Error[];
  close(): Promise<void>;
}

export const TEST_LIMITS = { maxPacketBytes: 256 * 1024, maxConnectPacketBytes: 8 * 1024 };

export async function startTestBroker(
  options: Partial<PacketGuardOptions> = {},
  aedesOptions: AedesOptions = {},
): Promise<TestBroker> {
  const aedes = await Aedes.createBroker(aedesOptions);
  const violations: GuardViolation[] = [];
  const connectionErrors: Error[] = [];
  aedes.on('connectionError', (_client, error) => connectionErrors.push(error));
  aedes.on('clientError', (_client, error) => connectionErrors.push(error));
  const guardOptions: PacketGuardOptions = {
    ...TEST_LIMITS,
    ...options,
    onViolation: (violation) => {
      violations.push(violation);
      options.onViolation?.(violation);
    },
  };

  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const tcp = createServer((socket) => {
    track(socket);
    tuneSocket(socket);
    aedes.handle(guardConnection(socket, guardOptions));
  });
  const http = createHttpServer();
  http.on('connection', track);
  const wss = new WebSocketServer({
    server: http,
    path: '/mqtt',
    handleProtocols,
    maxPayload: guardOptions.maxPacketBytes,
  });
  wss.on('connection', (ws) => {
    aedes.handle(guardConnection(createWebSocketDuplex(ws), guardOptions));
  });

  const tcpPort = await listen(tcp);
  const httpPort = await listen(http);

  return {
    aedes,
    tcpPort,
    wsUrl: `ws://127.0.0.1:${httpPort}/mqtt`,
    violations,
    connectionErrors,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        wss.close(() => {
          resolve();
        });
      });
      await Promise.all([closeServer(tcp), closeServer(http)]);
      await new Promise<void>((resolve) => {
        aedes.close(resolve);
      });
    },
  };
}

/** A raw TCP client for hand-built bytes; its errors (resets after a violation) are expected. */
export async function connectRaw(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/**
 * Resolves with how long `socket` took to close, or rejects after `timeoutMs`. Unread
 * input is discarded: a readable stream only closes once it has been read to its end.
 */
export async function closeOf(
  socket: { once(event: 'close', listener: () => void): unknown; resume?: () => unknown },
  timeoutMs = 2000,
): Promise<number> {
  const started = performance.now();
  socket.resume?.();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`not closed within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return performance.now() - started;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

/** The next message an mqtt.js client receives. */
export async function nextMessage(client: MqttClient): Promise<{ topic: string; payload: Buffer }> {
  return new Promise((resolve) => {
    client.once('message', (topic, payload) => {
      resolve({ topic, payload });
    });
  });
}
