import { Env } from './env-types.ts';

/**
 * Login protection settings, the same in the broker and the API (`@twinwire/logins`): how
 * many password hashes run and wait, and when failed logins ban their source address and
 * the names they tried.
 */
export const loginProtectionEnv = {
  LOGIN_HASH_CONCURRENCY: Env.integer({
    default: 2,
    minimum: 1,
    maximum: 64,
    description:
      'password and secret hashes computed at once: each user password (scrypt) ~0.3 s and 128 MiB, a device secret microseconds (SHA-256; ~40 ms and 16 MiB for scrypt credentials issued before)',
  }),
  LOGIN_HASH_QUEUE: Env.integer({
    default: 64,
    minimum: 0,
    description:
      'logins waiting for a hash slot; past it a login is refused as busy (MQTT 5 0x89, MQTT 3.1.1 CONNACK 3, HTTP 503)',
  }),
  LOGIN_THROTTLE: Env.boolean(
    true,
    'ban source addresses and names (device id, username, client id) after repeated failed logins',
  ),
  LOGIN_THROTTLE_FAILURES: Env.integer({
    default: 10,
    minimum: 1,
    description: 'failed logins of one address or name within LOGIN_THROTTLE_WINDOW_MS that ban it',
  }),
  LOGIN_THROTTLE_WINDOW_MS: Env.integer({
    default: 60_000,
    minimum: 100,
    description: 'window over which failed logins are counted',
  }),
  LOGIN_THROTTLE_MAX_BAN_MS: Env.integer({
    default: 300_000,
    minimum: 1_000,
    description:
      'longest ban: the first lasts 1 s, each further one doubles until the key has been quiet for a window',
  }),
};
