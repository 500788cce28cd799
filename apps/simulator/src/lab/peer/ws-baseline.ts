/**
 * The raw WebSocket baseline: what a team writes when it skips the broker. One `ws` server
 * (plain and TLS) with a route per job: `/echo` answers every message, `/sink` consumes
 * them (granting the sender credit every CREDIT_EVERY messages, and tracking sequence
 * numbers per `?stream=`), `/fanout/pub` broadcasts to every `/fanout/sub` by looping over
 * them, `/idle` holds a connection and does nothing.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SinkStats, TlsFiles } from './protocol.ts';

/** A `/sink` sender gets a 4-byte credit (its count so far) every this many messages. */
const CREDIT_EVERY = 50;

class SequenceTracker {
  private readonly seen = new Set<number>();
  received = 0;

  add(seq: number): void {
    this.received += 1;
    this.seen.add(seq);
  }

  stats(): SinkStats {
    return {
      received: this.received,
      unique: this.seen.size,
      duplicates: this.received - this.seen.size,
    };
  }
}

export interface WsBaseline {
  ports: { plain: number; tls: number };
  sink(stream: string): SinkStats;
  totals(): { received: number };
  connections(): number;
  close(): Promise<void>;
}

export async function startWsBaseline(tlsFiles: TlsFiles): Promise<WsBaseline> {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    perMessageDeflate: false,
  });
  const subscribers = new Set<WebSocket>();
  const streams = new Map<string, SequenceTracker>();
  let received = 0;

  const route = (socket: WebSocket, path: string, query: URLSearchParams) => {
    socket.on('error', () => undefined);
    switch (path) {
      case '/echo':
        socket.on('message', (data: Buffer) => {
          socket.send(data, { binary: true });
        });
        return;
      case '/sink': {
        const name = query.get('stream');
        let tracker: SequenceTracker | undefined;
        if (name !== null) {
          tracker = streams.get(name) ?? new SequenceTracker();
          streams.set(name, tracker);
        }
        let count = 0;
        const credit = Buffer.alloc(4);
        socket.on('message', (data: Buffer) => {
          received += 1;
          count += 1;
          if (tracker && data.length >= 4) tracker.add(data.readUInt32LE(0));
          if (count % CREDIT_EVERY === 0) {
            credit.writeUInt32LE(count, 0);
            socket.send(credit, { binary: true });
          }
        });
        return;
      }
      case '/fanout/pub':
        // The loop the claim is about: one send per connection, each framed on its own.
        socket.on('message', (data: Buffer) => {
          for (const subscriber of subscribers) subscriber.send(data, { binary: true });
        });
        return;
      case '/fanout/sub':
        subscribers.add(socket);
        socket.on('close', () => subscribers.delete(socket));
        return;
      default:
        return;
    }
  };

  const upgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://lab');
    wss.handleUpgrade(request, socket, head, (ws) => {
      route(ws, url.pathname, url.searchParams);
    });
  };
  const plain = http.createServer();
  const secure = https.createServer({
    cert: readFileSync(tlsFiles.cert),
    key: readFileSync(tlsFiles.key),
  });
  for (const server of [plain, secure]) {
    server.on('upgrade', upgrade);
    // 'connection' carries the TCP socket under TLS too: Nagle off for every connection.
    server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
    });
  }
  const listen = (server: http.Server) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve((server.address() as AddressInfo).port);
      });
    });
  const ports = { plain: await listen(plain), tls: await listen(secure) };

  return {
    ports,
    sink: (stream) => streams.get(stream)?.stats() ?? { received: 0, unique: 0, duplicates: 0 },
    totals: () => ({ received }),
    connections: () => wss.clients.size,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await Promise.all(
        [plain, secure].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => {
                resolve();
              });
            }),
        ),
      );
    },
  };
}
