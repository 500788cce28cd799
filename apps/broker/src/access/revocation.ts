import type { Database } from '@twinwire/db/client';
import { readDeviceAccess } from '@twinwire/db/device-credentials';
import { closeClient } from '../clients/client-actions.ts';
import type { CredentialCache } from '../identity/credential-cache.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { SessionRegistry } from '../sessions.ts';
import type { DevicePurge } from './device-purge.ts';

/**
 * Cuts off connected devices whose access is gone: the credential they connected with was
 * revoked, or the device was deleted, and purges what a deleted device leaves behind
 * (device-purge.ts). Told by NOTIFY device_access_changed; a periodic sweep of every
 * connected device covers notifications missed while the listener reconnected.
 */
export function createRevocation(deps: {
  db: Database;
  sessions: SessionRegistry;
  cache: CredentialCache;
  purge: DevicePurge;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  /** Disconnects the given devices' clients whose device or credential is gone. */
  async function cutOffRevoked(deviceIds: string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    const { existing, activeCredentials } = await readDeviceAccess(deps.db, deviceIds);
    for (const deviceId of deviceIds) {
      const deleted = !existing.has(deviceId);
      // Deleting a device notifies once for it and once per credential: one purge does.
      if (deleted && deps.purge.isPurging(deviceId)) continue;
      if (deleted) deps.purge.begin(deviceId);
      const closing: Promise<void>[] = [];
      for (const client of deps.sessions.clientsOfDevice(deviceId)) {
        const session = deps.sessions.get(client);
        const credentialOk =
          session?.credentialId === undefined || activeCredentials.has(session.credentialId);
        if (!deleted && credentialOk) continue;
        deps.cache.forgetDevice(deviceId);
        deps.metrics.disconnectsForRevocation.inc();
        deps.log.info({ deviceId, clientId: client.id }, 'disconnecting device: access revoked');
        closing.push(closeClient(client));
      }
      await Promise.all(closing);
      if (deleted) await deps.purge.finish(deviceId);
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
     * Re-checks every connected device in two queries per batch, covering notifications
     * missed while the listener reconnected. A sweep still running is not started again.
     */
    sweep(): Promise<void> {
      sweeping ??= (async () => {
        const connected = deps.sessions.connectedDeviceIds();
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

const SWEEP_BATCH = 1_000;
