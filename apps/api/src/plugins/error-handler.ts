import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

interface ErrorBody {
  code: string;
  message: string;
}

/**
 * Every error leaves as `{ code, message }` with a stable code. Validation failures say
 * which field and why; 5xx bodies say only what the caller can do, never SQL or a stack.
 */
export const errorHandler = fp(
  (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        const message = error.validation
          .map((issue) => {
            const field = `${error.validationContext ?? 'request'}${issue.instancePath || ''}`;
            const extra = issue.params as { additionalProperty?: string };
            return extra.additionalProperty
              ? `${field}: unknown parameter "${extra.additionalProperty}"`
              : `${field}: ${issue.message ?? 'is invalid'}`;
          })
          .join('; ');
        return reply.status(400).send({ code: 'TWW_VALIDATION', message } satisfies ErrorBody);
      }
      const status = error.statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
        return reply.status(status).send({
          code: 'TWW_INTERNAL',
          message: 'something went wrong on our side; retry later, and report it if it persists',
        } satisfies ErrorBody);
      }
      return reply
        .status(status)
        .send({ code: error.code, message: error.message } satisfies ErrorBody);
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.status(404).send({
        code: 'TWW_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      });
    });
  },
  { name: 'error-handler' },
);
