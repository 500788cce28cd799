import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroupStore, SharedStrategy } from './group-store.ts';
import { MemoryGroupStore } from './memory-group-store.ts';
import { createRedisGroupStore } from './redis-group-store.ts';

const redisUrl = process.env.REDIS_URL;
const connections: Redis[] = [];

afterAll(async () => {
  for (const redis of connections) {
    const prefix = redis.options.keyPrefix ?? '';
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    await redis.quit();
  }
});

/** One store per broker of a cluster; the memory store is one broker's alone. */
type Stores = (strategy: SharedStrategy) => [GroupStore, GroupStore];

const memory: Stores = (strategy) => {
  const store = new MemoryGroupStore('a', strategy);
  return [store, store];
};
const redis: Stores = (strategy) => {
  const keyPrefix = `twinwire-test:${randomBytes(6).toString('hex')}:`;
  const a = new Redis(redisUrl!, { keyPrefix });
  const b = new Redis(redisUrl!, { keyPrefix });
  connections.push(a, b);
  return [createRedisGroupStore(a, 'a', strategy), createRedisGroupStore(b, 'b', strategy)];
};

const message = (n: number, publisher = 'pub') => ({ key: `broker:${n}`, publisher });
const share = '$share/g/devices/#';

const kinds: [string, Stores][] = [['in memory', memory]];
if (redisUrl) kinds.push(['in Redis', redis]);

describe.each(kinds)('the group store %s', (_name, storesOf) => {
  it('decides once per message: every later ask reads the same member', async () => {
    const [a, b] = storesOf('round-robin');
    await a.join(share, 'm1');
    await b.join(share, 'm2');
    const first = await a.choose(share, message(1));
    const again = await b.choose(share, message(1));
    expect(first).toMatchObject({ live: true, decided: true });
    expect(again).toMatchObject({ clientId: first?.clientId, decided: false });
  });

  it('turns round-robin through the connected members', async () => {
    const [a, b] = storesOf('round-robin');
    for (const id of ['m1', 'm2', 'm3']) await a.join(share, id);
    await b.join(share, 'm4');
    const picks = [];
    for (let n = 0; n < 8; n++) picks.push((await a.choose(share, message(n)))?.clientId);
    for (const id of ['m1', 'm2', 'm3', 'm4'])
      expect(picks.filter((p) => p === id)).toHaveLength(2);
  });

  it('sticky: one publisher keeps its member while it stays, then gets another', async () => {
    const [a] = storesOf('sticky');
    for (const id of ['m1', 'm2', 'm3']) await a.join(share, id);
    const held = (await a.choose(share, message(0, 'dev-1')))?.clientId;
    for (let n = 1; n < 10; n++)
      expect((await a.choose(share, message(n, 'dev-1')))?.clientId).toBe(held);
    await a.leave(share, held ?? '');
    const next = (await a.choose(share, message(10, 'dev-1')))?.clientId;
    expect(next).not.toBe(held);
    expect((await a.choose(share, message(11, 'dev-1')))?.clientId).toBe(next);
  });

  it('decides again instead of a member that failed, once', async () => {
    const [a, b] = storesOf('round-robin');
    await a.join(share, 'm1');
    await b.join(share, 'm2');
    const first = await a.choose(share, message(1));
    const other = first?.clientId === 'm1' ? 'm2' : 'm1';
    const instead = await a.choose(share, message(1), first?.clientId);
    expect(instead).toMatchObject({ clientId: other, decided: true });
    // A second report of the same failure reads the new decision.
    expect(await b.choose(share, message(1), first?.clientId)).toMatchObject({
      clientId: other,
      decided: false,
    });
  });

  it('chooses a persistent member away only while none is connected, and not once expired', async () => {
    const [a] = storesOf('round-robin');
    await a.join(share, 'away');
    await a.join(share, 'expired');
    await a.away(share, 'away', 0);
    await a.away(share, 'expired', Date.now() - 1);
    await a.join(share, 'here');
    expect(await a.choose(share, message(1))).toMatchObject({ clientId: 'here', live: true });
    await a.leave(share, 'here');
    expect(await a.choose(share, message(2))).toMatchObject({ clientId: 'away', live: false });
    await a.leave(share, 'away');
    expect(await a.choose(share, message(3))).toBeNull();
  });
});
