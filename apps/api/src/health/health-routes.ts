import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import { databaseAnswers } from '@twinwire/db/reachability';
import { Liveness, Readiness } from '@twinwire/schemas/rest/health';

export const healthRoutes: FastifyPluginAsyncTypebox<{ pool: pg.Pool }> = async (app, options) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'checkHealth',
        tags: ['health'],
        response: { 200: Liveness },
      },
    },
    () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'checkReadiness',
        tags: ['health'],
        response: {
          200: Readiness,
          503: Readiness,
        },
      },
    },
    async (_request, reply) => {
      if (await databaseAnswers(options.pool)) return { status: 'ready' };
      return reply.status(503).send({ status: 'database unreachable' });
    },
  );
};
