import { buildAsyncApiDocument } from '@twinwire/schemas/asyncapi';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The AsyncAPI 3 document of every MQTT and WebSocket channel (packages/schemas, generated
 * from the same schemas the validators use) at `/asyncapi.json`, beside `/openapi.json`.
 */
export const asyncapi = fp(
  async (app: FastifyInstance) => {
    const document = buildAsyncApiDocument();
    app.get('/asyncapi.json', { schema: { hide: true } }, () => document);
  },
  { name: 'asyncapi' },
);
