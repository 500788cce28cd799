import { isErrorCode, type ErrorCode } from '@twinwire/schemas/error-codes';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BodyTooLarge, InvalidJson, InvalidRequest, UnsupportedMediaType } from '../errors.ts';
import { validationMessage, type ValidationIssue } from './validation-message.ts';

/** Every error answer; its code is one of the closed union. */
interface ErrorBody {
  code: ErrorCode;
  message: string;
}

/** fastify's own request errors, said in our `TWW_*` codes with a remedy. */
function frameworkError(
  error: FastifyError,
  request: FastifyRequest,
): ErrorBody & { status: number } {
  const wrap = (mapped: FastifyError & { code: ErrorCode }) => ({
    status: mapped.statusCode ?? 400,
    code: mapped.code,
    message: mapped.message,
  });
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return wrap(new InvalidJson('check its quotes, commas and brackets'));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return wrap(new InvalidJson('it is empty, yet content-type says application/json'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'];
      return wrap(
        new UnsupportedMediaType(
          type
            ? `content-type ${type} is not accepted`
            : 'the request has a body but no content-type',
        ),
      );
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return wrap(new BodyTooLarge(String(request.routeOptions.bodyLimit)));
    default:
      return wrap(new InvalidRequest(error.message));
  }
}

/**
 * Every error leaves as `{ code, message }` with a stable `TWW_*` code, framework errors
 * (bad JSON, content type, size) included. Validation failures say which field and why; 5xx
 * bodies say only what the caller can do, never SQL or a stack.
 */
export const errorHandler = fp(
  (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        const message = validationMessage(
          error.validationContext ?? 'request',
          error.validation satisfies ValidationIssue[],
        );
        return reply.status(400).send({ code: 'TWW_VALIDATION', message } satisfies ErrorBody);
      }
      const status = error.statusCode ?? 500;
      const code = isErrorCode(error.code) ? error.code : null;
      // Our own 503/504s say what to do (retry when a dependency is back); anything else is a bug.
      const actionable = (status === 503 || status === 504) && code !== null;
      if (status >= 500 && !actionable) {
        request.log.error({ err: error }, 'request failed');
        return reply.status(status).send({
          code: 'TWW_INTERNAL',
          message: 'something went wrong on our side; retry later, and report it if it persists',
        } satisfies ErrorBody);
      }
      if (code === null) {
        const mapped = frameworkError(error, request);
        return reply
          .status(mapped.status)
          .send({ code: mapped.code, message: mapped.message } satisfies ErrorBody);
      }
      return reply.status(status).send({ code, message: error.message } satisfies ErrorBody);
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.status(404).send({
        code: 'TWW_NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      } satisfies ErrorBody);
    });
  },
  { name: 'error-handler' },
);
