/**
 * Failed-login throttle: per key (a source address, a username, a client id), `failures`
 * failed logins within `windowMs` start a ban; each ban a key earns doubles the previous
 * one (1 s, 2 s, 4 s … up to `maxBanMs`) until the key has stayed quiet for a whole window
 * after its ban. While any key of a login is banned the login is refused before its
 * credential is looked at, so a flood costs no hashing. As with EMQX's flapping detection
 * (per client id, username or source address, checked before authentication) and
 * Mosquitto's per-listener connection limits, the state lives in one process's memory.
 */

export interface LoginThrottleOptions {
  enabled: boolean;
  /** Failed logins of one key within `windowMs` that start a ban. */
  failures: number;
  windowMs: number;
  /** The first ban of a key; each further one doubles. */
  firstBanMs?: number;
  maxBanMs: number;
  /** Keys remembered at most; past it the quiet ones, then the oldest, are forgotten. */
  maxKeys?: number;
  now?: () => number;
}

/** A ban that has just started: log it once. */
export interface Ban {
  key: string;
  durationMs: number;
}

export interface LoginThrottle {
  /** The key with the longest ban left among `keys`, or null when none is banned. */
  banned(keys: readonly string[]): { key: string; retryAfterMs: number } | null;
  /**
   * Whether any of `keys` failed within its window (or was banned): such logins wait
   * behind clean ones for a hash (`HashRunOptions.suspect`).
   */
  suspect(keys: readonly string[]): boolean;
  /** Counts one failed login against every key; returns the bans this failure started. */
  failed(keys: readonly string[]): Ban[];
  /**
   * A successful login forgets the failures of the keys it proved (its username, its
   * client id). Pass no source address: one valid credential must not wash away the
   * failures of everything else tried from the same address.
   */
  succeeded(keys: readonly string[]): void;
  /** Keys remembered now. */
  size(): number;
}

interface KeyState {
  windowStart: number;
  failures: number;
  /** Bans earned in a row: the next lasts firstBanMs · 2^level. */
  level: number;
  bannedUntil: number;
}

const DISABLED: LoginThrottle = {
  banned: () => null,
  suspect: () => false,
  failed: () => [],
  succeeded: () => undefined,
  size: () => 0,
};

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  if (!options.enabled) return DISABLED;
  const now = options.now ?? Date.now;
  const firstBanMs = options.firstBanMs ?? 1_000;
  const maxKeys = options.maxKeys ?? 100_000;
  const states = new Map<string, KeyState>();

  const quiet = (state: KeyState, at: number) =>
    at >= state.bannedUntil &&
    at - Math.max(state.windowStart, state.bannedUntil) >= options.windowMs;

  const makeRoom = (at: number) => {
    for (const [key, state] of states) if (quiet(state, at)) states.delete(key);
    // Still full (a spray of fresh keys): forget the oldest unbanned ones, and only when
    // every key is banned the oldest bans (memory stays bounded whatever the spray).
    for (const [key, state] of states) {
      if (states.size < maxKeys) return;
      if (at >= state.bannedUntil) states.delete(key);
    }
    for (const key of states.keys()) {
      if (states.size < maxKeys) return;
      states.delete(key);
    }
  };

  return {
    banned(keys) {
      const at = now();
      let worst: { key: string; retryAfterMs: number } | null = null;
      for (const key of keys) {
        const state = states.get(key);
        if (!state || state.bannedUntil <= at) continue;
        const retryAfterMs = state.bannedUntil - at;
        if (!worst || retryAfterMs > worst.retryAfterMs) worst = { key, retryAfterMs };
      }
      return worst;
    },
    suspect(keys) {
      const at = now();
      return keys.some((key) => {
        const state = states.get(key);
        return state !== undefined && !quiet(state, at) && (state.failures > 0 || state.level > 0);
      });
    },
    failed(keys) {
      const at = now();
      const bans: Ban[] = [];
      for (const key of keys) {
        let state = states.get(key);
        if (state && quiet(state, at)) {
          states.delete(key);
          state = undefined;
        }
        if (!state) {
          if (states.size >= maxKeys) makeRoom(at);
          state = { windowStart: at, failures: 0, level: 0, bannedUntil: 0 };
          states.set(key, state);
        }
        // A login that was already in flight when the ban started adds nothing.
        if (state.bannedUntil > at) continue;
        if (at - state.windowStart >= options.windowMs) {
          state.windowStart = at;
          state.failures = 0;
        }
        state.failures += 1;
        if (state.failures < options.failures) continue;
        const durationMs = Math.min(firstBanMs * 2 ** state.level, options.maxBanMs);
        state.level += 1;
        state.failures = 0;
        state.bannedUntil = at + durationMs;
        state.windowStart = state.bannedUntil;
        bans.push({ key, durationMs });
      }
      return bans;
    },
    succeeded(keys) {
      const at = now();
      for (const key of keys) {
        const state = states.get(key);
        if (state && state.bannedUntil <= at) states.delete(key);
      }
    },
    size: () => states.size,
  };
}

/** Throttle keys of a login: its source address and the names it claims. */
export const throttleKey = {
  address: (address: string | undefined) =>
    `address:${address?.startsWith('::ffff:') ? address.slice(7) : (address ?? 'unknown')}`,
  username: (username: string) => `username:${username}`,
  clientId: (clientId: string) => `client:${clientId}`,
};
