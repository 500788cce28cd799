import type { DbClient } from '@twinwire/db/client';
import { readDeviceAccess } from '@twinwire/db/device-credentials';
import { createTelemetryWriter, type TelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { brokerUnavailable, connectedLink } from '../broker-link.ts';
import { Unauthorized } from '../errors.ts';
import type { ApiLoginGuard } from '../auth/login-guard.ts';
import { DeviceAuthenticator, deviceCredentialsOf } from './credentials.ts';
import { DeviceSession } from './device-session.ts';
import { createWsPresence } from './presence.ts';

interface ClosableSocket {
  close(code: number, reason: string): void;
}

/**
 * `/ws/device`: devices that speak WebSocket instead of MQTT. Outside the JWT context: the
 * device authenticates on the upgrade with its own credential (401 before the 101). No
 * Origin check: the credential is explicit, never ambient like a cookie, so a foreign page
 * gains nothing it does not already hold.
 */
export const deviceSocketRoutes: FastifyPluginAsync<{
  db: DbClient;
  /** Failed-login throttle and hash gate, shared with the sign-in route. */
  logins: ApiLoginGuard;
  /** Shared with other ingest in this process when given; otherwise the plugin owns one. */
  writer?: TelemetryWriter | undefined;
  /** How often WebSocket devices' last-seen times are written; default 10 s. */
  lastSeenFlushMs?: number;
}> = async (app, options) => {
  // Readings commit through the alarm evaluator, as the broker's do (one place, both transports).
  const writer =
    options.writer ??
    createTelemetryWriter({
      pool: options.db.pool,
      onCommitted: (rows) => app.alarms.evaluator.evaluate(rows),
    });
  const authenticator = new DeviceAuthenticator(options.db.db);
  const presence = createWsPresence({
    link: () => app.brokerLink,
    db: options.db.db,
    pool: options.db.pool,
    log: app.log,
    ...(options.lastSeenFlushMs === undefined ? {} : { lastSeenFlushMs: options.lastSeenFlushMs }),
  });
  const authenticated = new WeakMap<FastifyRequest, { deviceId: string; credentialId: string }>();
  const sessions = new Set<DeviceSession>();
  app.metrics.watchSessions('device', () => sessions.size);
  /** Open sockets per device with the credential each authenticated with. */
  const connected = new Map<string, Map<ClosableSocket, string>>();
  let closing = false;

  // A revoked credential or a deleted device (on any instance) cuts its sockets off at once.
  async function cutOffRevoked(deviceId: string): Promise<void> {
    authenticator.forgetDevice(deviceId);
    const sockets = connected.get(deviceId);
    if (!sockets) return;
    const { existing, activeCredentials } = await readDeviceAccess(options.db.db, [deviceId]);
    for (const [socket, credentialId] of sockets) {
      if (existing.has(deviceId) && activeCredentials.has(credentialId)) continue;
      app.log.info({ deviceId }, 'closing device socket: access revoked');
      socket.close(1008, 'access revoked: the credential was revoked or the device deleted');
    }
  }
  const recheck = (deviceId: string) => {
    cutOffRevoked(deviceId).catch((error: unknown) => {
      app.log.warn({ err: error, deviceId }, 'device access re-check failed');
    });
  };
  const recheckAll = () => {
    for (const deviceId of connected.keys()) recheck(deviceId);
  };
  app.deviceAccess.on('changed', recheck);
  app.deviceAccess.on('recheckAll', recheckAll);

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
        // Banned: 429 with Retry-After before the 101; a full hash gate: 503 (issue #13.2).
        const keys = options.logins.keysOf(request, credentials.deviceId);
        options.logins.refuseIfBanned(reply, keys);
        const credentialId = await options.logins.verify(request, keys, (runHash) =>
          authenticator.verify(credentials, runHash),
        );
        if (credentialId === null) {
          options.logins.failed(request, keys);
          throw new Unauthorized('wrong device id or secret');
        }
        options.logins.succeeded(keys);
        authenticated.set(request, { deviceId: credentials.deviceId, credentialId });
        return undefined;
      },
    },
    (socket, request) => {
      const identity = authenticated.get(request);
      const link = connectedLink(app);
      if (identity === undefined || !link || closing) {
        socket.close(1011, 'the message broker is unreachable; retry');
        return;
      }
      const { deviceId, credentialId } = identity;
      const session = new DeviceSession({
        socket,
        deviceId,
        link,
        writer,
        log: request.log,
        seen: () => {
          presence.seen(deviceId);
        },
      });
      sessions.add(session);
      const ofDevice = connected.get(deviceId) ?? new Map<ClosableSocket, string>();
      ofDevice.set(socket, credentialId);
      connected.set(deviceId, ofDevice);
      void presence.connected(deviceId);
      socket.on('close', () => {
        sessions.delete(session);
        ofDevice.delete(socket);
        if (ofDevice.size === 0 && connected.get(deviceId) === ofDevice) connected.delete(deviceId);
        session.close();
        if (!closing) void presence.disconnected(deviceId);
      });
    },
  );

  app.addHook('preClose', async () => {
    closing = true;
    app.deviceAccess.off('changed', recheck);
    app.deviceAccess.off('recheckAll', recheckAll);
    for (const session of sessions) session.close();
    sessions.clear();
    // The broker link is still up here: announce offline before it closes.
    await presence.allOffline();
  });
  app.addHook('onClose', async () => {
    if (!options.writer) await writer.close();
  });
};
