import type { Aedes } from 'aedes';
import { Readable } from 'node:stream';
import type { SessionQueues } from './clients/session-queues.ts';

/** A message queued for a persistent session, or the PUBREL that replaced it after PUBREC. */
interface QueuedPacket {
  cmd: string;
  messageId?: number | undefined;
  brokerId?: string | undefined;
  brokerCounter?: number | undefined;
  dup?: boolean;
  [field: string]: unknown;
}

/** The part of an aedes persistence that holds each persistent session's outgoing queue. */
interface OutgoingQueueMethods {
  outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: QueuedPacket): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(
    client: { id: string },
    packet: QueuedPacket,
  ): Promise<QueuedPacket | undefined>;
  outgoingStream(client: { id: string }): Readable;
}

const sameMessage = (a: QueuedPacket, b: QueuedPacket) =>
  a.brokerId === b.brokerId && a.brokerCounter === b.brokerCounter;

/**
 * Replaces the outgoing-queue half of aedes' in-memory persistence (aedes-persistence 11),
 * whose `outgoingUpdate` matches a PUBREL by `brokerId === undefined`, which every PUBREL
 * already queued satisfies. So a PUBREC renumbers the PUBREL of an earlier message still
 * awaiting its PUBCOMP instead of replacing the PUBLISH it acknowledges:
 * - the earlier message's PUBREL is never re-sent after a reconnect, and when both PUBRECs
 *   arrive in one read it is not even sent once (aedes writes the very object renumbered),
 *   so the subscriber, which delivers on PUBREL, never delivers it ([MQTT-4.4.0-1]);
 * - the acknowledged PUBLISH stays queued after its PUBCOMP and is delivered again, without
 *   DUP, on every later reconnect ([MQTT-4.3.3-1]).
 * Overlapping QoS 2 flows to one subscriber are the normal case, not a race.
 *
 * Every queue operation goes through these five methods, so the persistence's own queue
 * map simply stays empty. Redis persistence keys its queue by message id and is unaffected.
 */
export function installOutgoingQueues(aedes: Aedes): SessionQueues {
  // A session's queue exists while it holds something: aedes clears PUBACKs of clean
  // sessions here too, and those must not leave an empty queue behind per client id.
  const queues = new Map<string, QueuedPacket[]>();
  const queueOf = (clientId: string): QueuedPacket[] => queues.get(clientId) ?? [];
  const enqueue = (clientId: string, packet: QueuedPacket) => {
    // One copy per session: the packet identifier is the session's own.
    const entry = { ...packet, messageId: undefined };
    const queue = queues.get(clientId);
    if (queue === undefined) queues.set(clientId, [entry]);
    else queue.push(entry);
  };
  const indexWhere = (queue: QueuedPacket[], ...tests: ((entry: QueuedPacket) => boolean)[]) => {
    for (const test of tests) {
      const index = queue.findIndex(test);
      if (index !== -1) return index;
    }
    return -1;
  };

  const methods: OutgoingQueueMethods = {
    outgoingEnqueue(sub, packet) {
      enqueue(sub.clientId, packet);
      return Promise.resolve();
    },
    outgoingEnqueueCombi(subs, packet) {
      for (const sub of subs) enqueue(sub.clientId, packet);
      return Promise.resolve();
    },
    outgoingUpdate(client, packet) {
      const queue = queueOf(client.id);
      if (packet.cmd === 'pubrel') {
        // PUBREC: the message with this packet identifier moves to its PUBREL phase. A
        // PUBLISH in flight is the one acknowledged; an existing PUBREL means a repeated PUBREC.
        const id = packet.messageId;
        const index = indexWhere(
          queue,
          (entry) => entry.messageId === id && entry.cmd === 'publish',
          (entry) => entry.messageId === id,
        );
        if (index === -1) return Promise.reject(new Error('no such packet'));
        queue[index] = { cmd: 'pubrel', messageId: id };
        return Promise.resolve();
      }
      // A queued PUBLISH is given its packet identifier as it is written to the session.
      const entry = queue.find((candidate) => sameMessage(candidate, packet));
      if (entry === undefined) return Promise.reject(new Error('no such packet'));
      entry.messageId = packet.messageId;
      return Promise.resolve();
    },
    outgoingClearMessageId(client, packet) {
      // Every PUBACK of every session comes here: most sessions have no queue at all.
      const queue = queues.get(client.id);
      if (queue === undefined) return Promise.resolve(undefined);
      const id = packet.messageId;
      // PUBACK ends a PUBLISH, PUBCOMP a PUBREL. Without an identifier, aedes is dropping a
      // packet it will not forward (authorizeForward said no): that very message goes.
      const index =
        id === undefined
          ? queue.findIndex((entry) => entry.messageId === undefined && sameMessage(entry, packet))
          : indexWhere(
              queue,
              (entry) =>
                entry.messageId === id &&
                entry.cmd === (packet.cmd === 'pubcomp' ? 'pubrel' : 'publish'),
              (entry) => entry.messageId === id,
            );
      if (index === -1) return Promise.resolve(undefined);
      const [removed] = queue.splice(index, 1);
      if (queue.length === 0) queues.delete(client.id);
      return Promise.resolve(removed);
    },
    outgoingStream(client) {
      // A snapshot: aedes re-sends it on reconnect while new messages join the live queue.
      // A PUBLISH that already had a packet identifier was written before: [MQTT-3.3.1-1]
      // the re-delivery carries DUP.
      const snapshot = queueOf(client.id).map((entry) =>
        entry.cmd === 'publish' && entry.messageId !== undefined ? { ...entry, dup: true } : entry,
      );
      return Readable.from(snapshot);
    },
  };
  // aedes types its persistence as `any`; these are the methods it calls on it.
  Object.assign((aedes as unknown as { persistence: OutgoingQueueMethods }).persistence, methods);

  // What the client registry shows: a PUBLISH with a packet identifier has been written.
  return {
    counts(sessions) {
      const result = new Map<string, { inflight: number; queued: number }>();
      for (const { clientId, connected } of sessions) {
        const queue = queueOf(clientId);
        const written = connected
          ? queue.filter((entry) => entry.messageId !== undefined).length
          : 0;
        result.set(clientId, { inflight: written, queued: queue.length - written });
      }
      return Promise.resolve(result);
    },
    discard(clientId) {
      queues.delete(clientId);
      return Promise.resolve();
    },
  };
}
