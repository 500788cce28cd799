import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export interface IsolatedRedis {
  /** REDIS_URL for the brokers of one test: the given server and db, a key prefix of its own. */
  url: string;
  prefix: string;
  /** Keys the brokers have written under the prefix. */
  keys(): Promise<string[]>;
  /** Deletes every key under the prefix and disconnects. */
  close(): Promise<void>;
}

/**
 * A key space of the test's own on a shared Redis. ioredis reads options from the URL's query,
 * so `?keyPrefix=` puts every key aedes-persistence-redis writes (sessions, subscriptions,
 * retained messages, offline queues) under a random prefix: parallel test files and other runs
 * on the same server and db index neither see nor delete each other's state, and nothing
 * needs FLUSHDB. Pub/sub channels (mqemitter-redis) are not keys and are shared by every
 * client of the server, whatever the db index: tests keep their topics unique instead.
 */
export async function isolatedRedis(serverUrl: string): Promise<IsolatedRedis> {
  const prefix = `twinwire-test:${randomBytes(6).toString('hex')}:`;
  const url = new URL(serverUrl);
  url.searchParams.set('keyPrefix', prefix);
  const admin = new Redis(serverUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await admin.connect();

  async function keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  return {
    url: url.toString(),
    prefix,
    keys,
    async close() {
      const found = await keys();
      if (found.length > 0) await admin.del(...found);
      await admin.quit();
    },
  };
}
