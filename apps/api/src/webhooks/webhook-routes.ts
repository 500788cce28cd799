import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type pg from 'pg';
import { Type } from 'typebox';
import { InvalidRequest, NotFound } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../opaque-cursor.ts';
import { ErrorResponse } from '@twinwire/schemas/rest/common';
import { urlRefusal, type AddressPolicy } from './address-policy.ts';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DeadLetterPage,
  DeadLetterParams,
  DeadLetterQuery,
  DeliveryPage,
  PageQuery,
  UpdateWebhookBody,
  Webhook,
  WebhookList,
  WebhookParams,
} from '@twinwire/schemas/rest/webhooks';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeadLetters,
  listDeliveries,
  listWebhooks,
  resendDeadLetter,
  updateWebhook,
} from './store.ts';

// Destinations hold signing secrets and choose where the platform sends requests: admins only.
const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

function checkUrl(url: string, policy: AddressPolicy): void {
  const refused = urlRefusal(url, policy);
  if (refused) throw new InvalidRequest(`body/url ${refused}`);
}

/** A page cursor stands for the last id of the previous page. */
function beforeId(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const id = Number(decodeCursor(cursor));
  if (!Number.isSafeInteger(id) || id < 1)
    throw new InvalidRequest(
      'querystring/cursor is not a cursor this API issued; pass nextCursor unchanged or omit it',
    );
  return id;
}

function paged<T>(items: T[], limit: number, idOf: (item: T) => number) {
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor: items.length > limit && last ? encodeCursor(String(idOf(last))) : null,
  };
}

/** Webhook destinations, their delivery log, and the dead letters to re-send. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{
  pool: pg.Pool;
  policy: AddressPolicy;
}> = async (app, { pool, policy }) => {
  app.get(
    '/webhooks',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'listWebhooks',
        summary: 'Webhook destinations with their pending and dead counts',
        response: { 200: WebhookList, ...denied },
      },
    },
    async () => ({ items: await listWebhooks(pool) }),
  );

  app.post(
    '/webhooks',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'createWebhook',
        summary: 'Add a destination; the answer carries its signing secret, shown this once',
        body: CreateWebhookBody,
        response: { 201: CreatedWebhook, 400: ErrorResponse, ...denied },
      },
    },
    async (request, reply) => {
      checkUrl(request.body.url, policy);
      return reply.status(201).send(await createWebhook(pool, request.body));
    },
  );

  app.get(
    '/webhooks/dead-letters',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'listDeadLetters',
        summary: 'Events that failed every attempt, newest first',
        querystring: DeadLetterQuery,
        response: { 200: DeadLetterPage, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      const { limit, cursor, destinationId } = request.query;
      const items = await listDeadLetters(pool, {
        limit: limit + 1,
        beforeId: beforeId(cursor),
        destinationId,
      });
      return paged(items, limit, (item) => item.outboxId);
    },
  );

  app.post(
    '/webhooks/dead-letters/:outboxId/resend',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'resendDeadLetter',
        summary:
          'Queue a dead letter again with fresh attempts (same event id and Idempotency-Key)',
        params: DeadLetterParams,
        response: { 204: Type.Null(), ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await resendDeadLetter(pool, request.params.outboxId)))
        throw new NotFound(`dead letter ${request.params.outboxId}`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:webhookId',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'getWebhook',
        summary: 'One destination',
        params: WebhookParams,
        response: { 200: Webhook, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      const webhook = await getWebhook(pool, request.params.webhookId);
      if (!webhook) throw new NotFound(`webhook ${request.params.webhookId}`);
      return webhook;
    },
  );

  app.patch(
    '/webhooks/:webhookId',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'updateWebhook',
        summary: 'Change a destination’s name, URL, events or enabled flag',
        description:
          'Events of a disabled destination wait in the outbox until it is enabled again.',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      if (request.body.url !== undefined) checkUrl(request.body.url, policy);
      const webhook = await updateWebhook(pool, request.params.webhookId, request.body);
      if (!webhook) throw new NotFound(`webhook ${request.params.webhookId}`);
      return webhook;
    },
  );

  app.delete(
    '/webhooks/:webhookId',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'deleteWebhook',
        summary: 'Remove a destination with its undelivered events and delivery log',
        params: WebhookParams,
        response: { 204: Type.Null(), ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await deleteWebhook(pool, request.params.webhookId)))
        throw new NotFound(`webhook ${request.params.webhookId}`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:webhookId/deliveries',
    {
      config: { capability: 'webhooks.manage' },
      schema: {
        tags: ['webhooks'],
        operationId: 'listWebhookDeliveries',
        summary: 'The destination’s delivery attempts, newest first',
        params: WebhookParams,
        querystring: PageQuery,
        response: { 200: DeliveryPage, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      if (!(await getWebhook(pool, request.params.webhookId)))
        throw new NotFound(`webhook ${request.params.webhookId}`);
      const items = await listDeliveries(pool, request.params.webhookId, {
        limit: limit + 1,
        beforeId: beforeId(cursor),
      });
      return paged(items, limit, (item) => item.id);
    },
  );
};
