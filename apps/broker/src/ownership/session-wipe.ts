import type { Aedes } from 'aedes';

/** The part of an aedes persistence a session's state lives in. */
interface SessionState {
  cleanSubscriptions(client: { id: string }): Promise<void>;
  outgoingStream(client: { id: string }): AsyncIterable<{ messageId?: number }>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  cleanIncoming?(client: { id: string }): Promise<void>;
}

/**
 * Ends a session that has no client connected: its subscriptions, the messages queued for it
 * and its inbound QoS 2 store go, as aedes does when a session expires on the broker that
 * held it [MQTT-3.1.2-23]. For a session whose broker could not (it restarted, or the session
 * expired while its client was taken by another principal's claim).
 */
export async function wipeSession(aedes: Aedes, clientId: string): Promise<void> {
  // aedes types its persistence as `any`; these are the methods it calls on it.
  const persistence = (aedes as unknown as { persistence: SessionState }).persistence;
  const client = { id: clientId };
  await persistence.cleanSubscriptions(client);
  for await (const packet of persistence.outgoingStream(client))
    await persistence.outgoingClearMessageId(client, packet);
  await persistence.cleanIncoming?.(client);
}
