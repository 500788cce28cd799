// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient module declaration travels with the code that needs it, so importers of the broker type-check too
/// <reference path="./types/aedes-persistence-redis.d.ts" />
import createPersistence from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import createRedisEmitter from 'mqemitter-redis';

/**
 * With REDIS_URL, brokers share subscriptions and message routing (mqemitter-redis) and
 * retained messages, sessions and offline queues (aedes-persistence-redis) through Redis,
 * so any number of them can run behind a TCP load balancer.
 */
export function createClusterBackends(redisUrl: string) {
  const mq = createRedisEmitter({ connectionString: redisUrl, concurrency: 0 });
  const connection = new Redis(redisUrl);
  const persistence = createPersistence({ conn: connection });
  return {
    backends: { mq, persistence },
    /** aedes closes the emitter; the persistence's connection is ours to end. */
    close: () => connection.quit().then(() => undefined),
  };
}
