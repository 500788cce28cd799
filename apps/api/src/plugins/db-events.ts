import { EventEmitter } from 'node:events';
import type { AclStore } from '@twinwire/db/acl-store';
import { listenToDb } from '@twinwire/db/listen';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { UserAccessChanges } from '../users/access-changes.ts';

/** `changed(deviceId)`: its credentials or the device itself changed; `recheckAll`: we may have missed some. */
interface DeviceAccessEvents {
  on(event: 'changed', listener: (deviceId: string) => void): this;
  on(event: 'recheckAll', listener: () => void): this;
  off(event: 'changed', listener: (deviceId: string) => void): this;
  off(event: 'recheckAll', listener: () => void): this;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Device access changes from any instance (PostgreSQL NOTIFY), for the device socket. */
    deviceAccess: DeviceAccessEvents;
    /** Users whose role, password or state changed: their older access tokens are refused. */
    userAccess: UserAccessChanges;
  }
}

/**
 * What other instances change reaches this one: ACL rule edits (reloaded here) and device
 * credential revocations or deletions (told to the device socket), through LISTEN on the
 * channels the database's triggers NOTIFY. Without a `url` (an app built without its own
 * connection string) only this instance's own changes are seen.
 */
export const dbEvents = fp(
  async (app: FastifyInstance, options: { url: string | undefined; acl: AclStore }) => {
    const deviceAccess = new EventEmitter();
    deviceAccess.setMaxListeners(0);
    app.decorate('deviceAccess', deviceAccess as DeviceAccessEvents);
    const userAccess = new UserAccessChanges();
    app.decorate('userAccess', userAccess);
    if (!options.url) return;

    const reloadAcl = () => {
      options.acl.reload().catch((error: unknown) => {
        app.log.warn({ err: error }, 'ACL reload failed; keeping the previous rules');
      });
    };
    const events = listenToDb({
      url: options.url,
      applicationName: 'twinwire-api-events',
      channels: {
        acl_rules_changed: reloadAcl,
        device_access_changed: (deviceId) => deviceAccess.emit('changed', deviceId),
        user_access_changed: (payload) => {
          userAccess.recordNotification(payload);
        },
      },
      // Notifications sent while the connection was down are lost: re-read everything.
      onReconnect: () => {
        reloadAcl();
        deviceAccess.emit('recheckAll');
      },
      log: app.log,
    });
    await events.ready;
    app.addHook('onClose', () => events.close());
  },
  { name: 'db-events' },
);
