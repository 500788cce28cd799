import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Unauthorized } from '../errors.ts';

/** Live messages offered to dashboards: counted in plain numbers on the fan-out path. */
export interface LiveFrameCounts {
  /** Queued on a dashboard socket. */
  sent: number;
  /** Dropped because the dashboard read too slowly (or arrived past a full history seam). */
  dropped: number;
}

export type WebSocketEndpoint = 'device' | 'live';

interface ApiMetrics {
  registry: Registry;
  liveFrames: LiveFrameCounts;
  /** Reports how many sockets an endpoint holds, read at each scrape. */
  watchSessions(endpoint: WebSocketEndpoint, count: () => number): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ApiMetrics;
  }
}

/** Requests that matched no route share one label value, so a URL scan cannot add series. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Prometheus metrics on `/metrics`: one registry per app (no global state), the Node.js
 * process metrics under their standard prom-client names, request durations by route
 * pattern, WebSocket sessions, live frames and the broker link. With `token` set, a scrape
 * must send `Authorization: Bearer <token>`; without it `/metrics` is open, like `/healthz`.
 */
export const metrics = fp(
  async (app: FastifyInstance, options: { token: string | undefined }) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const registers = [registry];

    const requestSeconds = new Histogram({
      name: 'twinwire_api_http_request_duration_seconds',
      help: 'HTTP requests from arrival to response, by route pattern, method and status code',
      labelNames: ['route', 'method', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    const sessionCounts = new Map<WebSocketEndpoint, () => number>();
    new Gauge({
      name: 'twinwire_api_websocket_sessions',
      help: 'Open WebSocket sessions by endpoint: device (/ws/device) and live (/ws/live dashboards)',
      labelNames: ['endpoint'] as const,
      registers,
      collect() {
        for (const [endpoint, count] of sessionCounts) this.set({ endpoint }, count());
      },
    });

    // The fan-out path adds to plain numbers; prom-client gets the difference at each scrape.
    const liveFrames: LiveFrameCounts = { sent: 0, dropped: 0 };
    const reported: LiveFrameCounts = { sent: 0, dropped: 0 };
    new Counter({
      name: 'twinwire_api_live_frames_sent_total',
      help: 'Live messages queued on dashboard sockets (/ws/live)',
      registers,
      collect() {
        this.inc(liveFrames.sent - reported.sent);
        reported.sent = liveFrames.sent;
      },
    });
    new Counter({
      name: 'twinwire_api_live_frames_dropped_total',
      help: 'Live messages dropped because a dashboard read too slowly',
      registers,
      collect() {
        this.inc(liveFrames.dropped - reported.dropped);
        reported.dropped = liveFrames.dropped;
      },
    });
    new Gauge({
      name: 'twinwire_api_broker_connected',
      help: '1 while the service MQTT link to the broker is connected, else 0 (also 0 without SERVICE_SECRET)',
      registers,
      collect() {
        this.set(app.brokerLink?.connected ? 1 : 0);
      },
    });

    app.decorate('metrics', {
      registry,
      liveFrames,
      watchSessions(endpoint, count) {
        sessionCounts.set(endpoint, count);
      },
    } satisfies ApiMetrics);

    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      requestSeconds.observe(
        {
          route: request.routeOptions.url ?? UNMATCHED_ROUTE,
          method: request.method,
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });

    const expected =
      options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
    app.get(
      '/metrics',
      {
        schema: { hide: true },
        onRequest: async (request) => {
          if (!expected) return;
          const sent = Buffer.from(request.headers.authorization ?? '');
          if (sent.length !== expected.length || !timingSafeEqual(sent, expected))
            throw new Unauthorized('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
        },
      },
      async (_request, reply) => {
        const body = await registry.metrics();
        return reply.type(registry.contentType).send(body);
      },
    );
  },
  { name: 'metrics' },
);
