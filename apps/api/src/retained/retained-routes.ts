import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isValidTopicFilter } from '@twinwire/acl/topic-filter';
import type { Database } from '@twinwire/db/client';
import {
  listRetained,
  requestRetainedRemoval,
  retainedCopies,
} from '@twinwire/db/retained-messages';
import { Type } from 'typebox';
import { codedError, InvalidRequest, NotFound } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../opaque-cursor.ts';
import { ErrorResponse } from '@twinwire/schemas/rest/common';
import {
  ListRetainedQuery,
  RetainedPage,
  RetainedTopicQuery,
} from '@twinwire/schemas/rest/retained';

const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;
const POLL_MS = 50;

const RemovalTimeout = codedError(
  'TWW_BROKER_TIMEOUT',
  'a broker holding the retained message did not confirm its removal within %s s; it may be overloaded or stopping: reload the list and retry',
  504,
);

/**
 * The retained messages the brokers hold (from `retained_messages`, which each broker keeps
 * beside its retained store): browse by topic filter with publisher, size and age; remove one.
 * The payloads stay in the brokers. Operators and admins.
 */
export const retainedRoutes: FastifyPluginAsyncTypebox<{
  db: Database;
  /** How long a removal waits for the brokers to confirm (default 5 s). */
  actionTimeoutMs?: number;
}> = async (app, options) => {
  const { db } = options;
  const timeoutMs = options.actionTimeoutMs ?? 5_000;

  app.get(
    '/retained',
    {
      config: { capability: 'retained.manage' },
      schema: {
        tags: ['retained'],
        operationId: 'listRetained',
        summary: 'Retained messages matching a topic filter, in topic order',
        querystring: ListRetainedQuery,
        response: { 200: RetainedPage, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      const { filter = '#', limit, cursor } = request.query;
      if (!isValidTopicFilter(filter))
        throw new InvalidRequest(
          `querystring/filter "${filter}" is not an MQTT topic filter: + and # stand alone in a level, # only last`,
        );
      const items = await listRetained(db, {
        filter,
        limit: limit + 1,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((item) => ({ ...item, publishedAt: item.publishedAt.toISOString() })),
        nextCursor: items.length > limit && last ? encodeCursor(last.topic) : null,
      };
    },
  );

  app.delete(
    '/retained',
    {
      config: { capability: 'retained.manage' },
      schema: {
        tags: ['retained'],
        operationId: 'deleteRetained',
        summary: 'Remove the retained message on a topic from every broker’s store',
        description:
          'As an empty retained PUBLISH would [MQTT-3.3.1-10], without delivering anything to current subscribers. Answered once every broker confirmed; 504 when one does not in time.',
        querystring: RetainedTopicQuery,
        response: {
          204: Type.Null(),
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          504: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { topic } = request.query;
      if ((await retainedCopies(db, topic)) === 0)
        throw new NotFound(`retained message on '${topic}'`);
      await requestRetainedRemoval(db, topic);
      const deadline = Date.now() + timeoutMs;
      while ((await retainedCopies(db, topic)) > 0) {
        if (Date.now() >= deadline) throw new RemovalTimeout(String(timeoutMs / 1000));
        await sleep(POLL_MS);
      }
      return reply.status(204).send(null);
    },
  );
};
