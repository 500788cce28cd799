import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { closeServer, listen } from './listen.ts';

/** `/healthz` (the process answers), `/readyz` (it should get traffic) and Prometheus `/metrics`. */
export async function openHttpServer(options: {
  port: number;
  host: string;
  registry: Registry;
  /** Why the broker should not get traffic now (e.g. "database unreachable"), or undefined. */
  notReadyBecause: () => Promise<string | undefined>;
}): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    switch (path) {
      case '/healthz':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      case '/readyz':
        void options.notReadyBecause().then(
          (reason) => {
            response
              .writeHead(reason ? 503 : 200, { 'content-type': 'application/json' })
              .end(JSON.stringify(reason ? { status: 'not ready', reason } : { status: 'ready' }));
          },
          () => {
            response.writeHead(500).end();
          },
        );
        return;
      case '/metrics':
        void options.registry.metrics().then(
          (body) => {
            response.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
          },
          () => {
            response.writeHead(500).end();
          },
        );
        return;
      default:
        response
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"error":"not found"}');
    }
  });
  const port = await listen(server, options.port, options.host, 'BROKER_HTTP_PORT');
  return { port, server, close: () => closeServer(server) };
}
