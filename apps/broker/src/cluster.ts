// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient module declaration travels with the code that needs it, so importers of the broker type-check too
/// <reference path="./types/aedes-persistence-redis.d.ts" />
import type { EventEmitter } from 'node:events';
import createPersistence from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import createRedisEmitter from 'mqemitter-redis';
import { redisSessionQueues, type SessionQueues } from './clients/session-queues.ts';
import type { Logger } from './log.ts';

export interface ClusterBackends {
  backends: { mq: ReturnType<typeof createRedisEmitter>; persistence: unknown };
  /** The persistent sessions' queues in Redis, for the client registry's counts. */
  sessionQueues: SessionQueues;
  /** The connection the sessions are kept on: what else lives beside them uses it too. */
  sessions: Redis;
  /** True while every Redis connection is ready: routing, sessions and retained messages work. */
  connected: () => boolean;
  /**
   * Resolves once every connection is ready. After `timeoutMs` it disconnects them and
   * rejects with an error naming REDIS_URL: a broker does not start without its cluster.
   */
  ready(timeoutMs: number): Promise<void>;
  /** aedes closes the emitter; the persistence's connection is ours to end. */
  close(): Promise<void>;
}

/**
 * With REDIS_URL, brokers share subscriptions and message routing (mqemitter-redis) and
 * retained messages, sessions and offline queues (aedes-persistence-redis) through Redis,
 * so any number of them can run behind a TCP load balancer.
 *
 * A Redis outage does not stop the broker: ioredis reconnects (and re-subscribes) on its own,
 * the outage and the recovery are logged once per connection, and `connected()` feeds
 * /readyz and the `twinwire_broker_redis_connected` gauge.
 */
export function createClusterBackends(redisUrl: string, log: Logger): ClusterBackends {
  const connections = {
    // ioredis 5 sends its ready check (INFO) late in the handshake; a SUBSCRIBE written before
    // it puts the connection in subscriber mode, INFO is refused and the connection fails for
    // good (redis/ioredis#2037). A connection that only subscribes needs no ready check.
    subscriber: new Redis(redisUrl, { enableReadyCheck: false }),
    publisher: new Redis(redisUrl),
    persistence: new Redis(redisUrl),
  };
  const mq = createRedisEmitter({
    subConn: connections.subscriber,
    pubConn: connections.publisher,
    concurrency: 0,
  });
  // mqemitter-redis re-emits every connection error on `state` (left out of its types) and
  // throws when nothing listens there; the connections' own listeners below log the outage.
  (mq as typeof mq & { state: EventEmitter }).state.on('error', () => undefined);
  const persistence = createPersistence({ conn: connections.persistence });

  const down = new Set<string>();
  let closing = false;
  const connected = () =>
    Object.values(connections).every((connection) => connection.status === 'ready');
  for (const [name, connection] of Object.entries(connections)) {
    connection.on('error', (error: Error) => {
      if (closing || down.has(name)) return;
      down.add(name);
      log.warn(
        { err: error, connection: name },
        'Redis unavailable: reconnecting; cluster routing and sessions wait for it',
      );
    });
    connection.on('ready', () => {
      if (!down.delete(name)) return;
      log.info({ connection: name }, 'Redis connection restored');
    });
  }

  function ready(timeoutMs: number): Promise<void> {
    const all = Object.values(connections);
    return new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (error: Error) => {
        lastError = error;
      };
      const settle = (failure?: Error) => {
        clearTimeout(timer);
        for (const connection of all) connection.off('ready', onReady).off('error', onError);
        if (!failure) {
          resolve();
          return;
        }
        for (const connection of all) connection.disconnect();
        reject(failure);
      };
      const onReady = () => {
        if (connected()) settle();
      };
      const timer = setTimeout(() => {
        const cause = lastError ? ` (${lastError.message})` : '';
        settle(
          new Error(
            `REDIS_URL: Redis at ${withoutPassword(redisUrl)} did not answer within ${timeoutMs / 1000} s${cause}`,
          ),
        );
      }, timeoutMs);
      for (const connection of all) connection.on('ready', onReady).on('error', onError);
      onReady();
    });
  }

  return {
    backends: { mq, persistence },
    sessionQueues: redisSessionQueues(connections.persistence),
    sessions: connections.persistence,
    connected,
    ready,
    close: () => {
      closing = true;
      return connections.persistence.quit().then(() => undefined);
    },
  };
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
