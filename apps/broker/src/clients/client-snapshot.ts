import { MAX_LISTED_SUBSCRIPTIONS, type MqttSubscriptionRow } from '@twinwire/db/schema';
import type { ClientRow } from '@twinwire/db/client-registry';
import type { Client, ConnectPacket } from 'aedes';
import type { ConnectionInfo } from '../connections.ts';
import type { Session } from '../sessions.ts';

/** aedes keeps a client's subscriptions (restored ones included) keyed by filter. */
type WithSubscriptions = Client & { subscriptions?: Record<string, { qos?: number }> };

function subscriptionsOf(client: Client): MqttSubscriptionRow[] {
  const subscriptions = (client as WithSubscriptions).subscriptions ?? {};
  return Object.entries(subscriptions)
    .map(([filter, options]) => ({ filter, qos: options.qos ?? 0 }))
    .sort((a, b) => (a.filter < b.filter ? -1 : a.filter > b.filter ? 1 : 0));
}

/**
 * Whether the session outlives the connection: MQTT 5 says so with a session expiry interval
 * above 0 [MQTT-3.1.2-23]; MQTT 3.1.1 with clean session 0 [MQTT-3.1.2-4].
 */
function sessionExpiry(
  client: Client,
  packet: ConnectPacket | undefined,
): { persistent: boolean; expiryS: number | null } {
  if (client.version === 5) {
    const expiry = packet?.properties?.sessionExpiryInterval ?? 0;
    // 0xFFFFFFFF: the session does not expire [MQTT-3.1.2-23].
    return { persistent: expiry > 0, expiryS: expiry >= 0xffffffff ? null : expiry };
  }
  return { persistent: !client.clean, expiryS: null };
}

export interface SnapshotSources {
  brokerId: string;
  session: Session;
  connection: ConnectionInfo;
  packet: ConnectPacket | undefined;
  connectedAt: number;
}

/** A connected client's row, from what aedes, the authenticator and the listener know. */
export function snapshotClient(client: Client, sources: SnapshotSources): ClientRow {
  const { principal } = sources.session;
  const subscriptions = subscriptionsOf(client);
  const { persistent, expiryS } = sessionExpiry(client, sources.packet);
  return {
    clientId: client.id,
    brokerId: sources.brokerId,
    principalKind: principal.kind,
    principalId: principal.id,
    principalUsername: principal.username ?? null,
    principalRole: principal.role,
    protocol: sources.connection.protocol,
    protocolVersion: client.version,
    remoteAddress: sources.connection.remoteAddress ?? null,
    keepaliveS: sources.packet?.keepalive ?? 0,
    cleanSession: !persistent,
    sessionExpiryS: expiryS,
    connected: true,
    connectedAt: sources.connectedAt,
    disconnectedAt: null,
    subscriptions: subscriptions.slice(0, MAX_LISTED_SUBSCRIPTIONS),
    subscriptionCount: subscriptions.length,
    // Counted for persistent sessions by the registry's refresh; a clean session has no queue.
    inflight: persistent ? 0 : null,
    queued: persistent ? 0 : null,
  };
}
