import type { DbClient } from '@twinwire/db/client';
import { createTelemetryWriter, type TelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { brokerUnavailable, connectedLink } from '../broker-link.ts';
import { Unauthorized } from '../errors.ts';
import { DeviceAuthenticator, deviceCredentialsOf } from './credentials.ts';
import { DeviceSession } from './device-session.ts';
import { createWsPresence } from './presence.ts';

/**
 * `/ws/device`: devices that speak WebSocket instead of MQTT. Outside the JWT context: the
 * device authenticates on the upgrade with its own credential (401 before the 101). No
 * Origin check: the credential is explicit, never ambient like a cookie, so a foreign page
 * gains nothing it does not already hold.
 */
export const deviceSocketRoutes: FastifyPluginAsync<{
  db: DbClient;
  /** Shared with other ingest in this process when given; otherwise the plugin owns one. */
  writer?: TelemetryWriter | undefined;
}> = async (app, options) => {
  const writer = options.writer ?? createTelemetryWriter({ pool: options.db.pool });
  const authenticator = new DeviceAuthenticator(options.db.db);
  const presence = createWsPresence({
    link: () => app.brokerLink,
    db: options.db.db,
    log: app.log,
  });
  const authenticated = new WeakMap<FastifyRequest, string>();
  const sessions = new Set<DeviceSession>();
  let closing = false;

  app.get(
    '/ws/device',
    {
      websocket: true,
      config: { public: true },
      onRequest: async (request, reply) => {
        if (!connectedLink(app)) return reply.code(503).send(brokerUnavailable);
        const credentials = deviceCredentialsOf(request);
        if (!credentials)
          throw new Unauthorized(
            'a device credential is required: Authorization: Basic base64(deviceId:secret), or ?device_id=&secret=',
          );
        if ((await authenticator.verify(credentials)) === null)
          throw new Unauthorized('wrong device id or secret');
        authenticated.set(request, credentials.deviceId);
        return undefined;
      },
    },
    (socket, request) => {
      const deviceId = authenticated.get(request);
      const link = connectedLink(app);
      if (deviceId === undefined || !link || closing) {
        socket.close(1011, 'the message broker is unreachable; retry');
        return;
      }
      const session = new DeviceSession({ socket, deviceId, link, writer, log: request.log });
      sessions.add(session);
      void presence.connected(deviceId);
      socket.on('close', () => {
        sessions.delete(session);
        session.close();
        if (!closing) void presence.disconnected(deviceId);
      });
    },
  );

  app.addHook('preClose', async () => {
    closing = true;
    for (const session of sessions) session.close();
    sessions.clear();
    // The broker link is still up here: announce offline before it closes.
    await presence.allOffline();
  });
  app.addHook('onClose', async () => {
    if (!options.writer) await writer.close();
  });
};
