import type { Principal } from '@twinwire/acl/rules';
import type { DeviceProtocol } from '@twinwire/schemas/messages';
import type { DeviceConnectionIndex } from '@twinwire/devices/device-connections';
import { TopicDecisions } from '@twinwire/devices/topic-decisions';
import type { Client } from 'aedes';
import type { PublishQuota } from './limits/publish-quota.ts';

/** What the broker knows about an authenticated connection. */
export interface Session {
  principal: Principal;
  protocol: DeviceProtocol;
  /** For devices that authenticated with a secret: the credential it matched. */
  credentialId?: string;
  /** This client's ACL decisions so far, made on its first publish or delivery. */
  decisions?: TopicDecisions;
  /** MQTT 5.0 clients: MQTT_MAX_PUBLISH_RATE, spent on their first publish (3.1.1's is paced). */
  quota?: PublishQuota;
}

/** The session's ACL decision memo, made on its first publish or delivery. */
export function decisionsOf(session: Session): TopicDecisions {
  return (session.decisions ??= new TopicDecisions(session.principal));
}

/**
 * Sessions keyed by aedes client; entries die with their clients. Indexes devices' clients
 * for the device core (revocation; presence asks whether a device has a client left).
 */
export class SessionRegistry implements DeviceConnectionIndex<Client> {
  private readonly byClient = new WeakMap<Client, Session>();
  private readonly devices = new Map<string, Set<Client>>();

  set(client: Client, session: Session): void {
    this.byClient.set(client, session);
    if (session.principal.kind !== 'device') return;
    const clients = this.devices.get(session.principal.id) ?? new Set();
    clients.add(client);
    this.devices.set(session.principal.id, clients);
  }

  get(client: Client): Session | undefined {
    return this.byClient.get(client);
  }

  /**
   * Takes a disconnected client out of its device's connections. Its session stays readable
   * until the client is collected: aedes publishes the will after the disconnect event.
   */
  detach(client: Client): void {
    const session = this.byClient.get(client);
    if (session?.principal.kind !== 'device') return;
    const clients = this.devices.get(session.principal.id);
    clients?.delete(client);
    if (clients?.size === 0) this.devices.delete(session.principal.id);
  }

  /** The connected clients of one device (normally one). */
  clientsOfDevice(deviceId: string): ReadonlySet<Client> {
    return this.devices.get(deviceId) ?? new Set();
  }

  deviceIds(): string[] {
    return [...this.devices.keys()];
  }

  *connectionsOf(deviceId: string): Iterable<readonly [Client, string | undefined]> {
    for (const client of this.clientsOfDevice(deviceId))
      yield [client, this.byClient.get(client)?.credentialId];
  }
}
