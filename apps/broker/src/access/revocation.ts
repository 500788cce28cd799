import type { Database } from '@twinwire/db/client';
import type { CredentialCache } from '@twinwire/devices/credential-cache';
import { createRevocation } from '@twinwire/devices/revocation';
import type { Client } from 'aedes';
import { closeClient } from '../clients/client-actions.ts';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { SessionRegistry } from '../sessions.ts';
import type { DevicePurge } from './device-purge.ts';

/**
 * The device core's revocation for MQTT clients: a cut-off client is disconnected, and a
 * deleted device's leftovers (sessions, retained messages) are purged (device-purge.ts), even
 * when it has no client on this broker.
 */
export function createBrokerRevocation(deps: {
  db: Database;
  sessions: SessionRegistry;
  cache: CredentialCache;
  purge: DevicePurge;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  return createRevocation<Client>({
    db: deps.db,
    connections: deps.sessions,
    cache: deps.cache,
    purge: deps.purge,
    cutOff: (client, deviceId) => {
      deps.metrics.disconnectsForRevocation.inc();
      deps.log.info({ deviceId, clientId: client.id }, 'disconnecting device: access revoked');
      return closeClient(client);
    },
  });
}
