import type { Redis } from 'ioredis';
import { NEVER, type ClaimResult, type OwnerStore } from './owner-store.ts';

// One hash of records (client id → {owner, token, endsAt}) and a sorted set of the sessions
// waiting to expire (client id by endsAt), both under the connection's key prefix, changed
// only by these scripts so that every broker of the cluster sees each step whole. endsAt: 0
// while connected, -1 never, else ms since the epoch by Redis' clock: one clock for the
// whole cluster, whatever the brokers' own say.
const RECORDS = 'session-owners';
const EXPIRING = 'session-expiry';

const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

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
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ owner = ARGV[2], token = ARGV[3], endsAt = 0 }))
redis.call('ZREM', KEYS[2], ARGV[1])
return wipe`;

const END = `${NOW}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local record = cjson.decode(raw)
if record.token ~= ARGV[2] then return 0 end
local seconds = tonumber(ARGV[3])
local endsAt = -1
if seconds >= 0 then endsAt = now + seconds * 1000 end
if seconds == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
record.endsAt = endsAt
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
if endsAt > 0 then redis.call('ZADD', KEYS[2], endsAt, ARGV[1]) end
return 1`;

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

interface OwnerCommands {
  twinwireClaimOwner(...args: (string | number)[]): Promise<number>;
  twinwireEndOwner(...args: (string | number)[]): Promise<number>;
  twinwireTakeExpiredOwners(...args: (string | number)[]): Promise<string[]>;
}

/** The owner records of a cluster, in the Redis its sessions live in. */
export function createRedisOwnerStore(redis: Redis): OwnerStore {
  redis.defineCommand('twinwireClaimOwner', { numberOfKeys: 2, lua: CLAIM });
  redis.defineCommand('twinwireEndOwner', { numberOfKeys: 2, lua: END });
  redis.defineCommand('twinwireTakeExpiredOwners', { numberOfKeys: 2, lua: TAKE_EXPIRED });
  const commands = redis as unknown as OwnerCommands;
  return {
    async claim(clientId, owner, token, force): Promise<ClaimResult> {
      const result = await commands.twinwireClaimOwner(
        RECORDS,
        EXPIRING,
        clientId,
        owner,
        token,
        force ? '1' : '0',
      );
      return result < 0 ? { claimed: false } : { claimed: true, wipe: result === 1 };
    },
    async end(clientId, token, expirySeconds) {
      const seconds = expirySeconds === NEVER ? -1 : expirySeconds;
      await commands.twinwireEndOwner(RECORDS, EXPIRING, clientId, token, seconds);
    },
    takeExpired(limit) {
      return commands.twinwireTakeExpiredOwners(RECORDS, EXPIRING, limit);
    },
  };
}
