import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@twinwire/alarms/webhook-signature';
import type { WebhookEvent } from '@twinwire/schemas/alarms';
import Fastify, { type FastifyInstance } from 'fastify';

export interface ReceivedEvent {
  event: WebhookEvent;
  idempotencyKey: string | undefined;
  signatureValid: boolean;
  attempt: string | undefined;
}

/**
 * A real HTTP receiver on loopback that records what it is sent and verifies each signature
 * as the docs tell a receiver to. It can be stopped and started again on the same port, and
 * told to answer with another status or to hold requests unanswered.
 */
export class WebhookReceiver {
  readonly received: ReceivedEvent[] = [];
  status = 200;
  /** While set, requests wait for it. */
  hold: Promise<void> | undefined;
  port = 0;
  /** Requests that arrived, answered or not. */
  arrivals = 0;
  private server: FastifyInstance | undefined;

  constructor(private readonly secret: () => string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    const server = Fastify();
    server.addContentTypeParser(
      'application/json',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, body);
      },
    );
    server.post('/hook', async (request, reply) => {
      const body = request.body as string;
      this.arrivals += 1;
      await this.hold;
      this.received.push({
        event: JSON.parse(body) as WebhookEvent,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        signatureValid: verifyWebhook(
          this.secret(),
          body,
          (request.headers['twinwire-signature'] as string | undefined) ?? '',
        ),
        attempt: request.headers['twinwire-delivery-attempt'] as string | undefined,
      });
      return reply.status(this.status).send({ ok: this.status < 300 });
    });
    await server.listen({ host: '127.0.0.1', port: this.port });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  eventIds(): Set<string> {
    return new Set(this.received.map((entry) => entry.event.id));
  }
}
