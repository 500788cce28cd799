import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@twinwire/db/client';
import { deleteDevice } from '@twinwire/db/device-deletion';
import { Type } from 'typebox';
import { credentialRoutes } from './credential-routes.ts';
import {
  CreateDeviceBody,
  DevicePage,
  DeviceParams,
  DeviceView,
  ListDevicesQuery,
  MAX_METADATA_BYTES,
  UpdateDeviceBody,
} from '@twinwire/schemas/rest/devices';
import { createDevice, decodeCursor, listDevices, readDevice, updateDevice } from './store.ts';
import { InvalidRequest, NotFound } from '../errors.ts';
import { ErrorResponse, NoQuery } from '@twinwire/schemas/rest/common';

const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

function checkMetadataSize(metadata: Record<string, unknown> | undefined): void {
  if (metadata === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(metadata));
  if (bytes > MAX_METADATA_BYTES)
    throw new InvalidRequest(
      `body/metadata is ${bytes} bytes as JSON; at most ${MAX_METADATA_BYTES} are kept per device`,
    );
}

/** Devices: viewers read, operators and admins manage them and their credentials. */
export const deviceRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, options) => {
  const { db } = options;

  app.post(
    '/devices',
    {
      config: { capability: 'devices.write' },
      schema: {
        operationId: 'createDevice',
        tags: ['devices'],
        summary: 'Register a device',
        querystring: NoQuery,
        body: CreateDeviceBody,
        response: {
          201: DeviceView,
          400: ErrorResponse,
          ...denied,
          409: ErrorResponse,
          413: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      checkMetadataSize(request.body.metadata);
      return reply.status(201).send(await createDevice(db, request.body));
    },
  );

  app.get(
    '/devices',
    {
      config: { capability: 'devices.read' },
      schema: {
        tags: ['devices'],
        summary: 'List devices, a page at a time, in id order',
        operationId: 'listDevices',
        querystring: ListDevicesQuery,
        response: { 200: DevicePage, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      const { limit, cursor, q, online, tag } = request.query;
      let after: string | undefined;
      if (cursor !== undefined) {
        const decoded = decodeCursor(cursor);
        if (decoded === null)
          throw new InvalidRequest(
            'querystring/cursor is not a cursor this API issued; pass nextCursor unchanged or omit it',
          );
        after = decoded;
      }
      return listDevices(db, {
        limit,
        ...(after === undefined ? {} : { after }),
        ...(q === undefined ? {} : { q }),
        ...(online === undefined ? {} : { online }),
        ...(tag === undefined ? {} : { tags: tag.split(',') }),
      });
    },
  );

  app.get(
    '/devices/:id',
    {
      config: { capability: 'devices.read' },
      schema: {
        operationId: 'readDevice',
        tags: ['devices'],
        summary: 'One device',
        params: DeviceParams,
        querystring: NoQuery,
        response: { 200: DeviceView, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      return readDevice(db, request.params.id);
    },
  );

  app.patch(
    '/devices/:id',
    {
      config: { capability: 'devices.write' },
      schema: {
        tags: ['devices'],
        summary: 'Rename a device, or replace its metadata or tags',
        operationId: 'updateDevice',
        params: DeviceParams,
        querystring: NoQuery,
        body: UpdateDeviceBody,
        response: {
          200: DeviceView,
          400: ErrorResponse,
          ...denied,
          404: ErrorResponse,
          413: ErrorResponse,
        },
      },
    },
    async (request) => {
      checkMetadataSize(request.body.metadata);
      return updateDevice(db, request.params.id, request.body);
    },
  );

  app.delete(
    '/devices/:id',
    {
      config: { capability: 'devices.write' },
      schema: {
        operationId: 'deleteDevice',
        tags: ['devices'],
        summary:
          'Delete a device: its credentials, its ACL rules, its sessions, queued and retained messages; a connected device is cut off',
        params: DeviceParams,
        querystring: NoQuery,
        response: { 204: Type.Null(), 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      // Every broker and API instance hears it: connections end, sessions and retained go.
      if (!(await deleteDevice(db, request.params.id))) {
        throw new NotFound(`device '${request.params.id}'`);
      }
      return reply.status(204).send(null);
    },
  );

  await app.register(credentialRoutes, { db });
};
