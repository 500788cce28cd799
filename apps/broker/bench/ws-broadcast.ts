/**
 * The fan-out baseline: what a team writes when it skips the broker. A plain `ws` server
 * where every message from a `/pub` connection is sent to every `/sub` connection, one
 * `send` per subscriber (as the protocol lab's baseline does).
 */
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export function createWsBroadcast(): { server: Server; dropClients(): void } {
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  const subscribers = new Set<WebSocket>();
  wss.on('connection', (socket, request) => {
    socket.on('error', () => undefined);
    if (request.url === '/sub') {
      subscribers.add(socket);
      socket.on('close', () => subscribers.delete(socket));
      return;
    }
    socket.on('message', (data: Buffer) => {
      for (const subscriber of subscribers) subscriber.send(data, { binary: true });
    });
  });
  return {
    server,
    dropClients: () => {
      for (const socket of wss.clients) socket.terminate();
    },
  };
}
