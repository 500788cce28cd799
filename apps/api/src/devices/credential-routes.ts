import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@twinwire/db/client';
import { issueDeviceCredential, revokeDeviceCredential } from '@twinwire/db/device-credentials';
import { Type } from 'typebox';
import { NotFound } from '../errors.ts';
import { ErrorResponse, NoQuery } from '@twinwire/schemas/rest/common';
import {
  CredentialList,
  CredentialParams,
  DeviceParams,
  IssuedCredentialView,
} from '@twinwire/schemas/rest/devices';
import {
  credentialIssuedAt,
  isCredentialOf,
  listCredentials,
  requireDevice,
  sqlState,
} from './store.ts';

const FOREIGN_KEY_VIOLATION = '23503';
const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

/** Device credentials: issued with a secret shown once, listed without it, revoked. */
export const credentialRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (
  app,
  options,
) => {
  const { db } = options;

  app.post(
    '/devices/:id/credentials',
    {
      config: { capability: 'devices.write' },
      schema: {
        operationId: 'issueCredential',
        tags: ['devices'],
        summary: 'Issue a credential; its secret is in this response only',
        params: DeviceParams,
        querystring: NoQuery,
        response: { 201: IssuedCredentialView, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const deviceId = request.params.id;
      let issued;
      try {
        issued = await issueDeviceCredential(db, deviceId);
      } catch (error) {
        if (sqlState(error) === FOREIGN_KEY_VIOLATION) throw new NotFound(`device '${deviceId}'`);
        throw error;
      }
      const createdAt = await credentialIssuedAt(db, issued.id);
      const basic = Buffer.from(`${deviceId}:${issued.secret}`, 'utf8').toString('base64');
      // The secret must not linger in a browser or proxy cache.
      void reply.header('cache-control', 'no-store');
      return reply.status(201).send({
        id: issued.id,
        deviceId,
        secret: issued.secret,
        createdAt: createdAt.toISOString(),
        connect: {
          mqtt: { clientId: deviceId, username: deviceId, password: issued.secret },
          websocket: {
            url: '/ws/device' as const,
            headers: { authorization: `Basic ${basic}` },
            query: { device_id: deviceId, secret: issued.secret },
          },
        },
      });
    },
  );

  app.get(
    '/devices/:id/credentials',
    {
      config: { capability: 'devices.read' },
      schema: {
        operationId: 'listCredentials',
        tags: ['devices'],
        summary: "A device's credentials, revoked ones included (never their secrets)",
        params: DeviceParams,
        querystring: NoQuery,
        response: { 200: CredentialList, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      await requireDevice(db, request.params.id);
      return { items: await listCredentials(db, request.params.id) };
    },
  );

  app.delete(
    '/devices/:id/credentials/:credentialId',
    {
      config: { capability: 'devices.write' },
      schema: {
        operationId: 'revokeCredential',
        tags: ['devices'],
        summary: 'Revoke a credential; connections that used it are cut off',
        params: CredentialParams,
        querystring: NoQuery,
        response: { 204: Type.Null(), 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { id: deviceId, credentialId } = request.params;
      // Only the device's own credentials: another device's id is as unknown as a made-up one.
      if (!(await isCredentialOf(db, deviceId, credentialId)))
        throw new NotFound(`credential '${credentialId}' of device '${deviceId}'`);
      // Revoking twice is harmless: the first revocation time is kept.
      await revokeDeviceCredential(db, credentialId);
      return reply.status(204).send(null);
    },
  );
};
