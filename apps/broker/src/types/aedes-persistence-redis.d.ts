// aedes-persistence-redis ships no types; this is the part of its factory we use.
declare module 'aedes-persistence-redis' {
  import type { Redis, RedisOptions } from 'ioredis';

  interface RedisPersistenceOptions extends RedisOptions {
    conn?: Redis;
    maxSessionDelivery?: number;
    packetTTL?: (packet: unknown) => number;
  }

  export default function createPersistence(options?: RedisPersistenceOptions): unknown;
}
