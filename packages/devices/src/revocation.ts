import type { Database } from '@twinwire/db/client';
import { readDeviceAccess } from '@twinwire/db/device-credentials';
import type { CredentialCache } from './credential-cache.ts';
import type { DeviceConnectionIndex } from './device-connections.ts';

/** What a transport does with a deleted device beyond closing its connections. */
export interface DeletedDevicePurge {
  /** A purge of this device is under way: another notification for it is not acted on. */
  isPurging(deviceId: string): boolean;
  begin(deviceId: string): void;
  /** After the device's connections are closed. */
  finish(deviceId: string): Promise<void>;
}

/**
 * Cuts off connected devices whose access is gone: the credential they connected with was
 * revoked, or the device was deleted. Told by NOTIFY device_access_changed (`recheckDevice`);
 * a `sweep` of every connected device covers notifications missed while the listener
 * reconnected. A cut-off device's cached logins are forgotten, so its next connection is
 * verified afresh.
 */
export function createRevocation<Connection>(deps: {
  db: Database;
  connections: DeviceConnectionIndex<Connection>;
  cache: CredentialCache;
  /** Closes one connection in the transport's terms (and says so in its log). */
  cutOff(connection: Connection, deviceId: string): Promise<void>;
  /** When given, a deleted device is purged even if it has no connection here. */
  purge?: DeletedDevicePurge;
}) {
  const hasConnections = (deviceId: string) =>
    !deps.connections.connectionsOf(deviceId)[Symbol.iterator]().next().done;

  async function cutOffRevoked(deviceIds: string[]): Promise<void> {
    const checked = deps.purge ? deviceIds : deviceIds.filter(hasConnections);
    if (checked.length === 0) return;
    const { existing, activeCredentials } = await readDeviceAccess(deps.db, checked);
    for (const deviceId of checked) {
      const deleted = !existing.has(deviceId);
      // Deleting a device notifies once for it and once per credential: one purge does.
      if (deleted && deps.purge?.isPurging(deviceId)) continue;
      if (deleted) deps.purge?.begin(deviceId);
      const closing: Promise<void>[] = [];
      for (const [connection, credentialId] of deps.connections.connectionsOf(deviceId)) {
        const credentialOk = credentialId === undefined || activeCredentials.has(credentialId);
        if (!deleted && credentialOk) continue;
        deps.cache.forgetDevice(deviceId);
        closing.push(deps.cutOff(connection, deviceId));
      }
      await Promise.all(closing);
      if (deleted) await deps.purge?.finish(deviceId);
    }
  }

  let sweeping: Promise<void> | undefined;
  return {
    /** NOTIFY device_access_changed: forget the device's cached logins and re-check it now. */
    async recheckDevice(deviceId: string): Promise<void> {
      deps.cache.forgetDevice(deviceId);
      await cutOffRevoked([deviceId]);
    },
    /**
     * Re-checks every connected device in two queries per batch. A sweep still running is
     * not started again.
     */
    sweep(): Promise<void> {
      sweeping ??= (async () => {
        const connected = deps.connections.deviceIds();
        for (let start = 0; start < connected.length; start += SWEEP_BATCH) {
          await cutOffRevoked(connected.slice(start, start + SWEEP_BATCH));
        }
      })().finally(() => {
        sweeping = undefined;
      });
      return sweeping;
    },
  };
}

export type Revocation = ReturnType<typeof createRevocation>;

const SWEEP_BATCH = 1_000;
