import type { EventEmitter } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { freePort } from '@twinwire/db/embedded';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createClusterBackends } from './cluster.ts';

const redisServer = process.env.REDIS_URL;

describe('createClusterBackends without a Redis', () => {
  it('gives up at start with an error naming REDIS_URL, without the password, and stops retrying', async () => {
    // A port that was free a moment ago: nothing listens there.
    const url = `redis://:hunter2-secret@127.0.0.1:${await freePort()}`;
    const cluster = createClusterBackends(url, pino({ level: 'silent' }));
    const mq = cluster.backends.mq as typeof cluster.backends.mq & { subConn: Redis };

    const failure = await cluster.ready(500).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(Error);
    const { message } = failure as Error;
    expect(message).toMatch(
      /^REDIS_URL: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ did not answer within 0\.5 s \(connect ECONNREFUSED/,
    );
    expect(message).not.toContain('hunter2');
    expect(cluster.connected()).toBe(false);
    // ioredis retries every min(50 ms × attempt, 2 s): in a second without retries it has stopped.
    let retries = 0;
    mq.subConn.on('reconnecting', () => (retries += 1));
    await setTimeout(1_000);
    expect(retries).toBe(0);
  });
});

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
