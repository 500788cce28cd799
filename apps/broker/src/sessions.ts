import type { Principal } from '@twinwire/acl/rules';
import type { DeviceProtocol } from '@twinwire/schemas/messages';
import type { Client } from 'aedes';
import type { TopicDecisions } from './access/topic-decisions.ts';
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

/** Sessions keyed by aedes client; entries die with their clients. */
export class SessionRegistry {
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

  connectedDeviceIds(): string[] {
    return [...this.devices.keys()];
  }
}
