import type { Presence } from '@twinwire/devices/presence';
import type { Aedes } from 'aedes';
import type { DevicePurge } from './access/device-purge.ts';
import type { Closers } from './closers.ts';
import type { ClientIdOwnership } from './ownership/client-id-ownership.ts';
import type { RetainedSources } from './retained/retained-sources.ts';
import type { SessionRegistry } from './sessions.ts';

/**
 * What aedes' client events mean for the rest of the broker: a device's presence (online when
 * its client is ready, offline when its last client leaves, last seen on each PUBLISH), the
 * client id's ownership, the session index, and who published each retained message.
 */
export function watchClientEvents(deps: {
  aedes: Aedes;
  sessions: SessionRegistry;
  presence: Presence;
  ownership: ClientIdOwnership;
  purge: DevicePurge;
  retainedSources: RetainedSources;
  isClosing: () => boolean;
  closers: Closers;
}): void {
  const { aedes, sessions, presence } = deps;
  aedes.on('clientReady', (client) => {
    const session = sessions.get(client);
    if (session?.principal.kind === 'device')
      void presence.online(session.principal.id, session.protocol);
  });
  aedes.on('clientDisconnect', (client) => {
    deps.ownership.ended(client);
    const session = sessions.get(client);
    sessions.detach(client);
    // While closing, every device's offline status is published already (below), and the
    // cluster's Redis connections are going away.
    if (deps.isClosing() || session?.principal.kind !== 'device') return;
    // A deleted device's status is removed, not set offline.
    if (deps.purge.isPurging(session.principal.id)) return;
    // A takeover by the same device disconnects the old client after the new one is ready.
    if (sessions.clientsOfDevice(session.principal.id).size === 0) {
      void presence.offline(session.principal.id, session.protocol);
    }
  });
  aedes.on('publish', (packet, client) => {
    deps.retainedSources.published(packet, client);
    const session = client ? sessions.get(client) : undefined;
    if (session?.principal.kind === 'device') presence.seen(session.principal.id);
  });

  deps.closers.add('announce-offline', async () => {
    await Promise.all(
      sessions.deviceIds().map((deviceId) => {
        const [client] = sessions.clientsOfDevice(deviceId);
        const session = client ? sessions.get(client) : undefined;
        return session ? presence.offline(deviceId, session.protocol) : Promise.resolve();
      }),
    );
  });
}
