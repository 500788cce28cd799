import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@twinwire/db/client';
import {
  countClients,
  listBrokers,
  listClients,
  readClient,
  type ClientRecord,
} from '@twinwire/db/client-queries';
import { Type } from 'typebox';
import { NotFound } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../opaque-cursor.ts';
import { ErrorResponse, NoQuery } from '@twinwire/schemas/rest/common';
import { clearClientSession, disconnectClient } from './actions.ts';
import {
  BrokerList,
  ClientPage,
  ClientParams,
  ClientView,
  ListClientsQuery,
} from '@twinwire/schemas/rest/clients';

const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

function clientView(record: ClientRecord) {
  return {
    ...record,
    connectedAt: record.connectedAt.toISOString(),
    disconnectedAt: record.disconnectedAt?.toISOString() ?? null,
    updatedAt: record.updatedAt.toISOString(),
  };
}

/**
 * MQTT clients and sessions across every broker instance (the registry the brokers keep in
 * PostgreSQL), and the two actions on them. Operators and admins.
 */
export const clientRoutes: FastifyPluginAsyncTypebox<{
  db: Database;
  /** How long an action waits for the broker to confirm (default 5 s). */
  actionTimeoutMs?: number;
}> = async (app, options) => {
  const { db } = options;
  const timeoutMs = options.actionTimeoutMs ?? 5_000;

  app.get(
    '/clients',
    {
      config: { capability: 'clients.read' },
      schema: {
        tags: ['clients'],
        operationId: 'listClients',
        summary: 'MQTT clients and persistent sessions on every broker, in client id order',
        querystring: ListClientsQuery,
        response: { 200: ClientPage, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await listClients(db, {
        limit,
        ...(cursor === undefined ? {} : { after: decodeCursor(cursor) }),
        ...(filter.q === undefined ? {} : { q: filter.q }),
        ...(filter.state === undefined ? {} : { state: filter.state }),
        ...(filter.brokerId === undefined ? {} : { brokerId: filter.brokerId }),
        ...(filter.principalKind === undefined ? {} : { principalKind: filter.principalKind }),
        ...(filter.protocol === undefined ? {} : { protocol: filter.protocol }),
      });
      const last = page.items.at(-1);
      return {
        items: page.items.map(clientView),
        nextCursor: page.hasMore && last ? encodeCursor(last.clientId) : null,
        hasMore: page.hasMore,
        counts: await countClients(db),
      };
    },
  );

  app.get(
    '/clients/:clientId',
    {
      config: { capability: 'clients.read' },
      schema: {
        tags: ['clients'],
        operationId: 'readClient',
        summary: 'One MQTT client or session, with its subscriptions',
        params: ClientParams,
        querystring: NoQuery,
        response: { 200: ClientView, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      const record = await readClient(db, request.params.clientId);
      if (!record) throw new NotFound(`client '${request.params.clientId}'`);
      return clientView(record);
    },
  );

  app.post(
    '/clients/:clientId/disconnect',
    {
      config: { capability: 'clients.act' },
      schema: {
        tags: ['clients'],
        operationId: 'disconnectClient',
        summary: 'Close a client’s connection (a persistent session stays, offline)',
        description:
          'The broker holding the client closes it; the answer comes once the registry shows it closed. 409 when it is not connected; 504 when the broker does not confirm in time.',
        params: ClientParams,
        querystring: NoQuery,
        response: {
          204: Type.Null(),
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          409: ErrorResponse,
          504: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      await disconnectClient(db, request.params.clientId, timeoutMs);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/clients/:clientId/session',
    {
      config: { capability: 'clients.act' },
      schema: {
        tags: ['clients'],
        operationId: 'clearClientSession',
        summary: 'Discard a client’s session: subscriptions and queued messages (disconnecting it)',
        description:
          'As a clean session ends [MQTT-3.1.2-6]; the client’s next CONNACK has sessionPresent 0. A session that lived in a stopped broker’s memory is gone already: only its row is removed.',
        params: ClientParams,
        querystring: NoQuery,
        response: {
          204: Type.Null(),
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          409: ErrorResponse,
          504: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      await clearClientSession(db, request.params.clientId, timeoutMs);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/brokers',
    {
      config: { capability: 'clients.read' },
      schema: {
        tags: ['clients'],
        operationId: 'listBrokers',
        summary: 'Broker instances, live or stopped, with their client counts',
        querystring: NoQuery,
        response: { 200: BrokerList, ...denied },
      },
    },
    async () => ({
      items: (await listBrokers(db)).map((broker) => ({
        ...broker,
        startedAt: broker.startedAt.toISOString(),
        heartbeatAt: broker.heartbeatAt.toISOString(),
      })),
    }),
  );
};
