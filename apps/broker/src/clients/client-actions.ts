import type { ClientAction } from '@twinwire/db/client-registry';
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../log.ts';
import type { ClientRegistry } from './client-registry.ts';
import type { SessionQueues } from './session-queues.ts';

/** The part of an aedes persistence (memory or Redis) that forgets a session. */
interface SessionPersistence {
  cleanSubscriptions(client: { id: string }): Promise<void>;
  cleanIncoming?(client: { id: string }): Promise<void>;
}

export const closeClient = (client: Client) =>
  new Promise<void>((resolve) => {
    client.close(resolve);
  });

/**
 * Discards a session as a clean session's would be [MQTT-3.1.2-6]: subscriptions, queued
 * messages, inbound QoS 2 state, and its registry row (if it still stands for this or an
 * older connection than `connectedAt`). Its connection, if any, must be closed first.
 */
export function createSessionEraser(deps: {
  aedes: Aedes;
  registry: ClientRegistry;
  queues: SessionQueues;
}) {
  const persistence = (deps.aedes as unknown as { persistence: SessionPersistence }).persistence;
  return async function eraseSession(clientId: string, connectedAt: number): Promise<void> {
    await persistence.cleanSubscriptions({ id: clientId });
    await persistence.cleanIncoming?.({ id: clientId });
    await deps.queues.discard(clientId);
    deps.registry.forgetSession(clientId, connectedAt);
  };
}

export type EraseSession = ReturnType<typeof createSessionEraser>;

/**
 * What an operator asks of a client through `NOTIFY mqtt_client_actions`, done by the broker
 * named in the request (every broker hears it):
 * - disconnect: the connection is closed, as a keepalive timeout would close it: a persistent
 *   session stays, offline, and its will is published (the client did not say goodbye);
 * - clear-session: the connection (if any) is closed and the session discarded.
 * The registry row is written at once, so the API can see the outcome.
 */
export function createClientActions(deps: {
  registry: ClientRegistry;
  eraseSession: EraseSession;
  brokerId: string;
  log: Logger;
}) {
  return async function perform(action: ClientAction): Promise<void> {
    if (action.brokerId !== deps.brokerId) return;
    const { clientId } = action;
    const client = deps.registry.connected(clientId);
    deps.log.info({ clientId, action: action.action }, 'operator action on an MQTT client');
    if (action.action === 'disconnect') {
      if (client) await closeClient(client);
      else deps.registry.reassert(clientId, action.connectedAt);
    } else {
      if (client) {
        // aedes removes a clean session's subscriptions from the persistence on close.
        (client as { clean: boolean }).clean = true;
        await closeClient(client);
      }
      // Closing turned the connection into an offline session here: its row is the one to go.
      const connectedAt = Math.max(
        action.connectedAt,
        deps.registry.offlineSession(clientId)?.connectedAt ?? 0,
      );
      await deps.eraseSession(clientId, connectedAt);
    }
    await deps.registry.flush();
  };
}
