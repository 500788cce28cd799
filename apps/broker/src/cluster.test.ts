import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createClusterBackends } from './cluster.ts';

const redisServer = process.env.REDIS_URL;

describe.runIf(redisServer)('createClusterBackends', () => {
  // ioredis 5 failed the subscriber connection for good when a SUBSCRIBE went out before its
  // ready check (redis/ioredis#2037): aedes subscribes whenever a client does, so a broker
  // that took a subscription during its Redis handshake crashed at start.
  it('routes a subscription made during the Redis handshake', async () => {
    const log = pino({ level: 'silent' });
    const cluster = createClusterBackends(redisServer!, log);
    const mq = cluster.backends.mq as typeof cluster.backends.mq & {
      subConn: Redis;
      state: EventEmitter;
    };
    const errors: Error[] = [];
    mq.state.on('error', (error: Error) => errors.push(error));
    const topic = `twinwire-test/handshake/${process.pid}/${Date.now()}`;
    const received: unknown[] = [];
    const subscribed = new Promise<void>((resolve) => {
      mq.subConn.once('connect', () => {
        mq.on(
          topic,
          (message, done) => {
            received.push(message.payload);
            done();
          },
          resolve,
        );
      });
    });
    try {
      await subscribed;
      await expect.poll(cluster.connected).toBe(true);
      mq.emit({ topic, payload: 'after the handshake' });
      await expect.poll(() => received).toEqual(['after the handshake']);
      expect(errors).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => {
        mq.close(resolve);
      });
      await cluster.close();
    }
  });
});
