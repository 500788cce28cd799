import type { Redis } from 'ioredis';
import { NEVER, type ClaimResult, type OwnerStore } from './owner-store.ts';

// One hash of records (client id → {owner, token, endsAt, broker, expiry}) and a sorted set
// of the sessions waiting to expire (client id by endsAt), changed only by these scripts so
// that every broker of the cluster sees each step whole. endsAt: 0 while connected, -1
// never, else ms since the epoch by Redis' clock: one clock for the whole cluster. Each
// broker keeps the set of client ids connected to it and a key that says it is alive; a
// broker found dead has its connections ended by another, with the expiry each asked for.
// Every key is passed in KEYS, so that the connection's key prefix applies to it.
const RECORDS = 'session-owners';
const EXPIRING = 'session-expiry';
const BROKERS = 'session-brokers';
const connectedTo = (brokerId: string) => `session-broker:${brokerId}:clients`;
const aliveKey = (brokerId: string) => `session-broker:${brokerId}:alive`;
/** A broker not heard of for this long is dead; it says it is alive at every `maintain()`. */
const ALIVE_TTL_S = 30;

const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/** Ends a connected record with `seconds` of expiry (0 now, -1 never). Needs now, KEYS[1..2]. */
const END_RECORD = `local function endRecord(clientId, record, seconds)
  if seconds == 0 then
    redis.call('HDEL', KEYS[1], clientId)
    redis.call('ZREM', KEYS[2], clientId)
    return
  end
  local endsAt = -1
  if seconds > 0 then endsAt = now + seconds * 1000 end
  record.endsAt = endsAt
  redis.call('HSET', KEYS[1], clientId, cjson.encode(record))
  if endsAt > 0 then redis.call('ZADD', KEYS[2], endsAt, clientId) end
end`;

// KEYS: records, expiring, this broker's clients. ARGV: clientId, owner, token, force, broker, expiry.
const CLAIM = `${NOW}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local wipe = 0
if raw then
  local record = cjson.decode(raw)
  if record.endsAt > 0 and record.endsAt <= now then
    wipe = 1
  elseif record.owner ~= ARGV[2] then
    if ARGV[4] ~= '1' then return -1 end
    wipe = 1
  end
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({
  owner = ARGV[2], token = ARGV[3], endsAt = 0, broker = ARGV[5], expiry = tonumber(ARGV[6])
}))
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return wipe`;

// KEYS: records, expiring, this broker's clients. ARGV: clientId, token, expiry seconds.
const END = `${NOW}
${END_RECORD}
redis.call('SREM', KEYS[3], ARGV[1])
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local record = cjson.decode(raw)
if record.token ~= ARGV[2] then return 0 end
endRecord(ARGV[1], record, tonumber(ARGV[3]))
return 1`;

// KEYS: records, expiring. ARGV: limit.
const TAKE_EXPIRED = `${NOW}
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local taken = {}
for _, clientId in ipairs(due) do
  redis.call('ZREM', KEYS[2], clientId)
  local raw = redis.call('HGET', KEYS[1], clientId)
  if raw then
    local record = cjson.decode(raw)
    if record.endsAt > 0 and record.endsAt <= now then
      redis.call('HDEL', KEYS[1], clientId)
      taken[#taken + 1] = clientId
    end
  end
end
return taken`;

// KEYS: records, expiring, brokers, this broker's alive key. ARGV: broker id, ttl.
// Returns the brokers not alive, for REAP.
const HEARTBEAT = `redis.call('SET', KEYS[4], '1', 'EX', tonumber(ARGV[2]))
redis.call('SADD', KEYS[3], ARGV[1])
return redis.call('SMEMBERS', KEYS[3])`;

// KEYS: records, expiring, brokers, the dead broker's clients, its alive key. ARGV: its id.
const REAP = `${NOW}
${END_RECORD}
if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
for _, clientId in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local raw = redis.call('HGET', KEYS[1], clientId)
  if raw then
    local record = cjson.decode(raw)
    if record.broker == ARGV[1] and record.endsAt == 0 then endRecord(clientId, record, record.expiry) end
  end
end
redis.call('DEL', KEYS[4])
redis.call('SREM', KEYS[3], ARGV[1])
return 1`;

type Script = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The owner records of a cluster, in the Redis its sessions live in, for broker `brokerId`,
 * which is taken for dead `aliveTtlS` seconds after its last `maintain()`.
 */
export function createRedisOwnerStore(
  redis: Redis,
  brokerId: string,
  aliveTtlS = ALIVE_TTL_S,
): OwnerStore {
  const scripts = { CLAIM, END, TAKE_EXPIRED, HEARTBEAT, REAP };
  for (const [name, lua] of Object.entries(scripts)) {
    const numberOfKeys = { CLAIM: 3, END: 3, TAKE_EXPIRED: 2, HEARTBEAT: 4, REAP: 5 }[name];
    redis.defineCommand(`twinwireOwners${name}`, { numberOfKeys, lua });
  }
  const run = (name: keyof typeof scripts, ...args: (string | number)[]) =>
    (redis as unknown as Record<string, Script>)[`twinwireOwners${name}`]?.(...args) ??
    Promise.reject(new Error(`no script ${name}`));
  const seconds = (expiry: number) => (expiry === NEVER ? -1 : expiry);
  const mine = connectedTo(brokerId);

  return {
    async claim(clientId, owner, token, force, expirySeconds): Promise<ClaimResult> {
      const result = (await run(
        'CLAIM',
        ...[RECORDS, EXPIRING, mine],
        ...[clientId, owner, token, force ? '1' : '0', brokerId, seconds(expirySeconds)],
      )) as number;
      return result < 0 ? { claimed: false } : { claimed: true, wipe: result === 1 };
    },
    async end(clientId, token, expirySeconds) {
      await run('END', RECORDS, EXPIRING, mine, clientId, token, seconds(expirySeconds));
    },
    async takeExpired(limit) {
      return (await run('TAKE_EXPIRED', RECORDS, EXPIRING, limit)) as string[];
    },
    async maintain() {
      const brokers = (await run(
        'HEARTBEAT',
        ...[RECORDS, EXPIRING, BROKERS, aliveKey(brokerId)],
        ...[brokerId, aliveTtlS],
      )) as string[];
      for (const other of brokers) {
        if (other === brokerId) continue;
        await run(
          'REAP',
          ...[RECORDS, EXPIRING, BROKERS, connectedTo(other), aliveKey(other)],
          other,
        );
      }
    },
  };
}
