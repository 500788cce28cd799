import type { Database } from '@twinwire/db/client';
import { activeCredentialIds } from '@twinwire/db/device-credentials';
import { devices } from '@twinwire/db/schema';
import { eq } from 'drizzle-orm';
import type { CredentialCache } from '../identity/credential-cache.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { SessionRegistry } from '../sessions.ts';

/**
 * Cuts off connected devices whose access is gone: the credential they connected with was
 * revoked, or the device was deleted. Told by NOTIFY device_access_changed; a periodic sweep
 * of every connected device covers notifications missed while the listener reconnected.
 */
export function createRevocation(deps: {
  db: Database;
  sessions: SessionRegistry;
  cache: CredentialCache;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  async function recheckDevice(deviceId: string): Promise<void> {
    deps.cache.forgetDevice(deviceId);
    const clients = [...deps.sessions.clientsOfDevice(deviceId)];
    if (clients.length === 0) return;
    const [device] = await deps.db
      .select({ id: devices.id })
      .from(devices)
      .where(eq(devices.id, deviceId));
    const active = device ? await activeCredentialIds(deps.db, deviceId) : new Set<string>();
    for (const client of clients) {
      const session = deps.sessions.get(client);
      const stillAllowed =
        device && (session?.credentialId === undefined || active.has(session.credentialId));
      if (stillAllowed) continue;
      deps.metrics.disconnectsForRevocation.inc();
      deps.log.info({ deviceId, clientId: client.id }, 'disconnecting device: access revoked');
      client.close();
    }
  }

  return {
    recheckDevice,
    async sweep(): Promise<void> {
      for (const deviceId of deps.sessions.connectedDeviceIds()) await recheckDevice(deviceId);
    },
  };
}
