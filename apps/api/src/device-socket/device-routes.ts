import type { DbClient } from '@twinwire/db/client';
import { createTelemetryWriter, type TelemetryWriter } from '@twinwire/db/telemetry-writer';
import { CredentialCache } from '@twinwire/devices/credential-cache';
import { DeviceConnections } from '@twinwire/devices/device-connections';
import { createIngest } from '@twinwire/devices/ingest';
import { createRevocation } from '@twinwire/devices/revocation';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { brokerUnavailable, connectedLink } from '../broker-link.ts';
import { Unauthorized } from '../errors.ts';
import type { ApiLoginGuard } from '../auth/login-guard.ts';
import { deviceCredentialsOf } from './credentials.ts';
import { DeviceSession } from './device-session.ts';
import { createWsPresence } from './presence.ts';

interface ClosableSocket {
  close(code: number, reason: string): void;
}

/** Verified device credentials kept this long, and this many at most (the device core's cache). */
const CREDENTIAL_TTL_MS = 30_000;
const MAX_CACHED_CREDENTIALS = 10_000;

/**
 * `/ws/device`: devices that speak WebSocket instead of MQTT, a thin adapter on the device
 * core (@twinwire/devices): its credential cache, revocation, presence and ingest, said in
 * HTTP statuses on the upgrade and in WebSocket frames after. Outside the JWT context: the
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
  const ingest = createIngest({ writer, log: app.log });
  const credentials = new CredentialCache(CREDENTIAL_TTL_MS, MAX_CACHED_CREDENTIALS);
  const presence = createWsPresence({
    link: () => app.brokerLink,
    db: options.db.db,
    pool: options.db.pool,
    log: app.log,
    lastSeenFlushMs: options.lastSeenFlushMs ?? 10_000,
  });
  const authenticated = new WeakMap<FastifyRequest, { deviceId: string; credentialId: string }>();
  const sessions = new Set<DeviceSession>();
  app.metrics.watchSessions('device', () => sessions.size);
  /** Open sockets per device with the credential each authenticated with. */
  const connected = new DeviceConnections<ClosableSocket>();
  let closing = false;

  // A revoked credential or a deleted device (on any instance) cuts its sockets off at once.
  const revocation = createRevocation<ClosableSocket>({
    db: options.db.db,
    connections: connected,
    cache: credentials,
    cutOff: (socket, deviceId) => {
      app.log.info({ deviceId }, 'closing device socket: access revoked');
      socket.close(1008, 'access revoked: the credential was revoked or the device deleted');
      return Promise.resolve();
    },
  });
  const recheck = (deviceId: string) => {
    revocation.recheckDevice(deviceId).catch((error: unknown) => {
      app.log.warn({ err: error, deviceId }, 'device access re-check failed');
    });
  };
  const recheckAll = () => {
    revocation.sweep().catch((error: unknown) => {
      app.log.warn({ err: error }, 'device access re-check failed');
    });
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
        const offered = deviceCredentialsOf(request);
        if (!offered)
          throw new Unauthorized(
            'a device credential is required: Authorization: Basic base64(deviceId:secret), or ?device_id=&secret=',
          );
        // Banned: 429 with Retry-After before the 101; a full hash gate: 503 (issue #13.2).
        const keys = options.logins.keysOf(request, offered.deviceId);
        options.logins.refuseIfBanned(reply, keys);
        const credentialId = await options.logins.verify(request, keys, (runHash) =>
          credentials.verify(options.db.db, offered.deviceId, offered.secret, runHash),
        );
        if (credentialId === null) {
          options.logins.failed(request, keys);
          throw new Unauthorized('wrong device id or secret');
        }
        options.logins.succeeded(keys);
        authenticated.set(request, { deviceId: offered.deviceId, credentialId });
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
        ingest,
        log: request.log,
        seen: () => {
          presence.seen(deviceId);
        },
      });
      sessions.add(session);
      // A device may hold several sockets: it is online from the first to the last.
      if (connected.add(deviceId, socket, credentialId))
        void presence.online(deviceId, 'websocket');
      socket.on('close', () => {
        sessions.delete(session);
        const last = connected.remove(deviceId, socket);
        session.close();
        if (last && !closing) void presence.offline(deviceId, 'websocket');
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
    await presence.close();
    await Promise.all(
      connected.deviceIds().map((deviceId) => presence.offline(deviceId, 'websocket')),
    );
  });
  app.addHook('onClose', async () => {
    if (!options.writer) await writer.close();
  });
};
