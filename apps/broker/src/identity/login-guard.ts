import type { RunHash } from '@twinwire/db/secrets';
import type { LoginProtection } from '@twinwire/logins/login-protection';
import { throttleKey } from '@twinwire/logins/login-throttle';
import type { Logger } from '../log.ts';
import type { BrokerMetrics } from '../metrics.ts';

/** The throttle keys of one CONNECT: where it comes from and the names it claims. */
export interface LoginKeys {
  address: string;
  /** The username and client id: what a success proves. */
  names: string[];
}

/** A key's kind for metric labels: `address`, `username` or `client` (never the value). */
function kindOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

/**
 * The broker's side of login protection (`@twinwire/logins`): which keys a CONNECT is
 * throttled by, counting refusals and bans in metrics, and logging each ban once.
 */
export function createLoginGuard(deps: {
  protection: LoginProtection;
  metrics: BrokerMetrics;
  log: Logger;
}) {
  const { gate, throttle } = deps.protection;
  deps.metrics.watchHashGate(gate);
  return {
    keysOf(peerHost: string | undefined, username: string | undefined, clientId: string) {
      const names = [throttleKey.clientId(clientId)];
      if (username) names.push(throttleKey.username(username));
      return { address: throttleKey.address(peerHost), names } satisfies LoginKeys;
    },
    /** The banned key with the longest ban left, counted; null when the CONNECT may proceed. */
    banned(keys: LoginKeys): { key: string; retryAfterMs: number } | null {
      const ban = throttle.banned([keys.address, ...keys.names]);
      if (ban) deps.metrics.loginsThrottled.inc({ key: kindOf(ban.key) });
      return ban;
    },
    failed(keys: LoginKeys): void {
      for (const ban of throttle.failed([keys.address, ...keys.names])) {
        deps.metrics.loginBans.inc({ key: kindOf(ban.key) });
        deps.log.warn(
          { key: ban.key, banMs: ban.durationMs },
          'repeated failed logins: refusing this key without verifying credentials until the ban ends',
        );
      }
    },
    succeeded(keys: LoginKeys): void {
      throttle.succeeded(keys.names);
    },
    /** Whether the address or a name of this CONNECT failed recently (see `LoginThrottle.suspect`). */
    suspect(keys: LoginKeys): boolean {
      return throttle.suspect([keys.address, ...keys.names]);
    },
    /**
     * Hashes through the shared gate; dropped unhashed once `closed` aborts. A suspect
     * login waits behind clean ones.
     */
    runHash(closed: AbortSignal | undefined, suspect: boolean): RunHash {
      return (hash) => gate.run(hash, { signal: closed, suspect });
    },
  };
}

export type LoginGuard = ReturnType<typeof createLoginGuard>;
