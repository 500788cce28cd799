import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isolatedRedis, type IsolatedRedis } from '../../test/process/redis-space.ts';
import { MemoryOwnerStore, NEVER, type OwnerStore } from './owner-store.ts';
import { createRedisOwnerStore } from './redis-owner-store.ts';

/** The contract both stores keep; `pass(ms)` lets that much time go by. */
function ownerStoreContract(
  name: string,
  open: () => Promise<{ store: OwnerStore; pass(ms: number): Promise<void> }>,
) {
  describe(name, () => {
    it('refuses another owner while the session lives, connected or not, and frees the id when it ends', async () => {
      const { store } = await open();
      expect(await store.claim('laptop', 'user:olga', 't1', false, 0)).toEqual({
        claimed: true,
        wipe: false,
      });
      expect(await store.claim('laptop', 'user:piotr', 't2', false, 0)).toEqual({ claimed: false });
      await store.end('laptop', 't1', NEVER);
      expect(await store.claim('laptop', 'user:piotr', 't2', false, 0)).toEqual({ claimed: false });
      expect(await store.claim('laptop', 'user:olga', 't3', false, 0)).toEqual({
        claimed: true,
        wipe: false,
      });
      await store.end('laptop', 't3', 0);
      expect(await store.claim('laptop', 'user:piotr', 't4', false, 0)).toEqual({
        claimed: true,
        wipe: false,
      });
    });

    it('ignores the end of a connection its owner has taken over since', async () => {
      const { store } = await open();
      await store.claim('phone', 'user:olga', 'old', false, 0);
      await store.claim('phone', 'user:olga', 'new', false, 0);
      await store.end('phone', 'old', 0);
      expect(await store.claim('phone', 'user:piotr', 'x', false, 0)).toEqual({ claimed: false });
    });

    it('lets a device force its own id, with the other session to wipe', async () => {
      const { store } = await open();
      await store.claim('sensor-1', 'user:olga', 't1', false, 0);
      expect(await store.claim('sensor-1', 'device:sensor-1', 't2', true, 0)).toEqual({
        claimed: true,
        wipe: true,
      });
    });

    it('expires a session once its interval has passed: taken once, then anyone may claim it', async () => {
      const opened = await open();
      const { store } = opened;
      await store.claim('short', 'user:olga', 't1', false, 0);
      await store.end('short', 't1', 1);
      await store.claim('long', 'user:olga', 't2', false, 0);
      await store.end('long', 't2', 3600);
      expect(await store.takeExpired(10)).toEqual([]);
      await opened.pass(1_100);
      expect(await store.takeExpired(10)).toEqual(['short']);
      expect(await store.takeExpired(10)).toEqual([]);
      expect(await store.claim('short', 'user:piotr', 't3', false, 0)).toEqual({
        claimed: true,
        wipe: false,
      });
    });

    it('hands an expired session that was not swept yet over to be wiped, whoever claims it', async () => {
      const opened = await open();
      const { store } = opened;
      await store.claim('stale', 'user:olga', 't1', false, 0);
      await store.end('stale', 't1', 1);
      await opened.pass(1_100);
      expect(await store.claim('stale', 'user:piotr', 't2', false, 0)).toEqual({
        claimed: true,
        wipe: true,
      });
      expect(await store.takeExpired(10)).toEqual([]);
    });
  });
}

ownerStoreContract('a broker’s owner store (memory)', () => {
  let now = 1_000_000;
  const store = new MemoryOwnerStore(() => now);
  return Promise.resolve({
    store,
    pass: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  });
});

const redisServer = process.env.REDIS_URL;
const spaces: IsolatedRedis[] = [];
const connections: Redis[] = [];
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.disconnect();
  for (const space of spaces.splice(0)) await space.close();
});

describe.runIf(redisServer)('in Redis', () => {
  it('ends the connections of a broker that died with them, with the expiry each asked for', async () => {
    const space = await isolatedRedis(redisServer!);
    spaces.push(space);
    const redis = new Redis(space.url);
    connections.push(redis);
    const dead = createRedisOwnerStore(redis, 'dead', 1);
    const alive = createRedisOwnerStore(redis, 'alive', 1);
    await dead.maintain();
    await dead.claim('clean', 'user:olga', 't1', false, 0);
    await dead.claim('short', 'user:olga', 't2', false, 1);
    await dead.claim('kept', 'user:olga', 't3', false, NEVER);
    await alive.maintain();
    // Alive for a second more: nothing happens to its connections yet.
    expect(await alive.claim('clean', 'user:piotr', 'x', false, 0)).toEqual({ claimed: false });
    await sleep(1_200);
    await alive.maintain();
    expect(await alive.claim('clean', 'user:piotr', 'x', false, 0)).toEqual({
      claimed: true,
      wipe: false,
    });
    expect(await alive.claim('kept', 'user:piotr', 'y', false, 0)).toEqual({ claimed: false });
    await sleep(1_100);
    expect(await alive.takeExpired(10)).toEqual(['short']);
  });

  ownerStoreContract('a cluster’s owner store (Redis)', async () => {
    const space = await isolatedRedis(redisServer!);
    spaces.push(space);
    const redis = new Redis(space.url);
    connections.push(redis);
    return { store: createRedisOwnerStore(redis, 'broker-1'), pass: (ms: number) => sleep(ms) };
  });
});
