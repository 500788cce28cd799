import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import { databaseAnswers } from '@twinwire/db/reachability';
import { Type } from 'typebox';

export const healthRoutes: FastifyPluginAsyncTypebox<{ pool: pg.Pool }> = async (app, options) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'checkHealth',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
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
          200: Type.Object({ status: Type.String() }),
          503: Type.Object({ status: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      if (await databaseAnswers(options.pool)) return { status: 'ready' };
      return reply.status(503).send({ status: 'database unreachable' });
    },
  );
};
