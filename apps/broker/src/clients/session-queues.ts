import type { Redis } from 'ioredis';

interface QueueCounts {
  /** QoS 1/2 messages written to the connection and not yet acknowledged. */
  inflight: number;
  /** Messages the session holds that have not gone out on this connection. */
  queued: number;
}

/**
 * The outgoing queues of persistent sessions, as the registry counts and clears them. A
 * clean session keeps no queue in aedes (a QoS 1/2 message to it is written once, never
 * stored), so it has no counts. Offline, everything held is queued: messages written before
 * the disconnect and never acknowledged go out again (DUP) on the next connection.
 */
export interface SessionQueues {
  counts(
    sessions: readonly { clientId: string; connected: boolean }[],
  ): Promise<Map<string, QueueCounts>>;
  /** Forgets everything queued for a session (its subscriptions are cleared by aedes). */
  discard(clientId: string): Promise<void>;
}

// aedes-persistence-redis keeps a session's queue as the list `outgoing:<id>` of keys: a
// message not yet written is `packet:<broker>:<counter>`; once written with a packet
// identifier it is replaced by `outgoing:<id>:<broker>:<counter>`.
const listKey = (clientId: string) => `outgoing:${encodeURIComponent(clientId)}`;
const WRITTEN_PREFIX = 'outgoing:';

/**
 * Counts in Redis with one pipelined round trip per refresh: LLEN for offline sessions (a
 * long backlog is never transferred), LRANGE for connected ones (their queue is what is in
 * flight, bounded by the client's receive window).
 */
export function redisSessionQueues(redis: Redis): SessionQueues {
  return {
    async counts(sessions) {
      const result = new Map<string, QueueCounts>();
      if (sessions.length === 0) return result;
      const pipeline = redis.pipeline();
      for (const { clientId, connected } of sessions) {
        if (connected) pipeline.lrange(listKey(clientId), 0, -1);
        else pipeline.llen(listKey(clientId));
      }
      const replies = (await pipeline.exec()) ?? [];
      sessions.forEach(({ clientId, connected }, index) => {
        const [error, value] = replies[index] ?? [new Error('no reply'), undefined];
        if (error) return;
        if (!connected) {
          result.set(clientId, { inflight: 0, queued: Number(value) });
          return;
        }
        const keys = value as string[];
        const inflight = keys.filter((key) => key.startsWith(WRITTEN_PREFIX)).length;
        result.set(clientId, { inflight, queued: keys.length - inflight });
      });
      return result;
    },
    async discard(clientId) {
      await redis.del(listKey(clientId));
    },
  };
}
