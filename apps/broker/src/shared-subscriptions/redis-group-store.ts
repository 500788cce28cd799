import type { Redis } from 'ioredis';
import type { Choice, GroupStore, MessageRef, SharedStrategy } from './group-store.ts';

/**
 * A decision outlives every broker's read of its message (milliseconds apart) by far, and
 * bounds the keys: one per message and group for this long (300k keys at 10k msgs/s).
 */
const DECISION_TTL_S = 30;
/** A publisher keeps its sticky member this long after its last message. */
const STICKY_TTL_S = 86_400;
/** A broker that stopped refreshing its mark this long ago is gone: its members are not chosen. */
const BROKER_MARK_TTL_MS = 15_000;
const BROKER_MARK_REFRESH_MS = 5_000;

// Keys are built inside the scripts from one base (ioredis' keyPrefix + our namespace): a
// group's keys, its members' brokers' marks and its decisions are only known there. Twinwire
// runs on one Redis (not Redis Cluster), where that is allowed.
//
// A member is a hash field: `L|<broker>` connected on that broker, `A|<broker>|<expiresAt>`
// a persistent session away (0: never expires).
const CHOOSE = `
local base, share, key, publisher, strategy, instead, now =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
local g = base .. 'g:' .. share
local members = g .. ':m'
local dkey = g .. ':d:' .. key
local current = redis.call('GET', dkey)
if current then
  local sep = string.find(current, '\\n', 1, true)
  local id = string.sub(current, sep + 1)
  if id ~= instead then return {id, string.sub(current, 1, sep - 1), 0} end
end
local all = redis.call('HGETALL', members)
local live, away = {}, {}
for i = 1, #all, 2 do
  local id, v = all[i], all[i + 1]
  if id ~= instead then
    if string.sub(v, 1, 1) == 'L' then
      if redis.call('EXISTS', base .. 'broker:' .. string.sub(v, 3)) == 1 then live[#live + 1] = id end
    else
      local expires = tonumber(string.match(v, '|(%d+)$'))
      if expires == 0 or expires > now then away[#away + 1] = id
      else redis.call('HDEL', members, id) end
    end
  end
end
local pool = live
if #pool == 0 then pool = away end
if #pool == 0 then return false end
table.sort(pool)
local pick
if strategy == 'sticky' then
  local skey = g .. ':s:' .. publisher
  local held = redis.call('GET', skey)
  for _, id in ipairs(pool) do if id == held then pick = id end end
  if not pick then
    pick = pool[(tonumber(string.sub(redis.sha1hex(publisher), 1, 8), 16) % #pool) + 1]
  end
  redis.call('SET', skey, pick, 'EX', ${STICKY_TTL_S})
else
  pick = pool[(redis.call('INCR', g .. ':rr') % #pool) + 1]
end
local state = redis.call('HGET', members, pick)
redis.call('SET', dkey, state .. '\\n' .. pick, 'EX', ${DECISION_TTL_S})
return {pick, state, 1}
`;

/** Away or leave, only while the member is still this broker's. */
const SETTLE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or string.match(current, '^%a|([^|]*)') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
`;

type Scripted = Redis & {
  twinwireShareChoose(...args: string[]): Promise<[string, string, number] | null>;
  twinwireShareSettle(key: string, ...args: string[]): Promise<number>;
};

/**
 * The groups of a cluster in Redis (on the sessions' connection): membership per group, and one
 * decision per message and group made atomically by a script, so every broker holding members
 * of a group reads the same member for a message and only that member's broker delivers it.
 * Each broker keeps a mark alive; members of a broker whose mark expired (killed) are not chosen.
 */
export function createRedisGroupStore(
  redis: Redis,
  brokerId: string,
  strategy: SharedStrategy,
): GroupStore {
  redis.defineCommand('twinwireShareChoose', { numberOfKeys: 0, lua: CHOOSE });
  redis.defineCommand('twinwireShareSettle', { numberOfKeys: 1, lua: SETTLE });
  const scripted = redis as Scripted;
  const base = `${redis.options.keyPrefix ?? ''}twinwire:share:`;
  // Keys given to commands get ioredis' prefix from it; the scripts add it themselves.
  const members = (share: string) => `twinwire:share:g:${share}:m`;
  const mark = () =>
    redis
      .set(`twinwire:share:broker:${brokerId}`, '1', 'PX', BROKER_MARK_TTL_MS)
      .then(() => undefined);
  let marked = mark();
  const refresh = setInterval(() => {
    marked = mark().catch(() => undefined);
  }, BROKER_MARK_REFRESH_MS);
  refresh.unref();

  return {
    async join(share, clientId) {
      await marked;
      await redis.hset(members(share), clientId, `L|${brokerId}`);
    },
    async away(share, clientId, expiresAt) {
      await scripted.twinwireShareSettle(
        members(share),
        clientId,
        brokerId,
        `A|${brokerId}|${expiresAt}`,
      );
    },
    async leave(share, clientId) {
      await scripted.twinwireShareSettle(members(share), clientId, brokerId, '');
    },
    async choose(share, message: MessageRef, instead?: string): Promise<Choice | null> {
      const answer = await scripted.twinwireShareChoose(
        base,
        share,
        message.key,
        message.publisher,
        strategy,
        instead ?? '',
        String(Date.now()),
      );
      if (!answer) return null;
      const [clientId, state, decided] = answer;
      return {
        clientId,
        brokerId: state.split('|')[1] ?? '',
        live: state.startsWith('L|'),
        decided: decided === 1,
      };
    },
    async close() {
      clearInterval(refresh);
      await redis.del(`twinwire:share:broker:${brokerId}`).catch(() => undefined);
    },
  };
}
