import type { RunHash } from '@twinwire/db/secrets';
import { HashAbandonedError, HashGateBusyError } from '@twinwire/logins/hash-gate';
import type { LoginProtection } from '@twinwire/logins/login-protection';
import { throttleKey } from '@twinwire/logins/login-throttle';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimited, ServerBusy } from '../errors.ts';

/** The throttle keys of one login: the client's address and the name it signs in as. */
export interface LoginKeys {
  address: string;
  name: string;
}

/**
 * The API's side of login protection (`@twinwire/logins`), for `/api/v1/auth/login` and
 * the `/ws/device` upgrade: one throttle and one hash gate per process, shared by both.
 */
export function createApiLoginGuard({ gate, throttle }: LoginProtection) {
  const failed = (request: FastifyRequest, keys: LoginKeys): void => {
    for (const ban of throttle.failed([keys.address, keys.name]))
      request.log.warn(
        { key: ban.key, banMs: ban.durationMs },
        'repeated failed logins: refusing this key without verifying credentials until the ban ends',
      );
  };
  return {
    keysOf(request: FastifyRequest, name: string): LoginKeys {
      return { address: throttleKey.address(request.ip), name: throttleKey.username(name) };
    },

    /** 429 TWW_RATE_LIMITED with Retry-After while a key of this login is banned. */
    refuseIfBanned(reply: FastifyReply, keys: LoginKeys): void {
      const ban = throttle.banned([keys.address, keys.name]);
      if (!ban) return;
      const seconds = Math.max(1, Math.ceil(ban.retryAfterMs / 1000));
      void reply.header('retry-after', String(seconds));
      throw new RateLimited(`${seconds} s: too many failed sign-ins from here or for this name`);
    },

    /**
     * Runs `verify` with hashing through the gate; a hash still waiting when the client
     * disconnects is dropped. A full gate answers 503 TWW_SERVER_BUSY.
     */
    async verify<T>(
      request: FastifyRequest,
      keys: LoginKeys,
      verify: (runHash: RunHash) => Promise<T>,
    ): Promise<T> {
      // An address or name that failed recently waits behind clean sign-ins.
      const suspect = throttle.suspect([keys.address, keys.name]);
      const gone = new AbortController();
      const socket = request.raw.socket;
      const onClose = () => {
        gone.abort();
      };
      socket.once('close', onClose);
      try {
        return await verify((hash) => gate.run(hash, { signal: gone.signal, suspect }));
      } catch (error) {
        if (error instanceof HashGateBusyError || error instanceof HashAbandonedError) {
          // A suspect sign-in refused busy counts as a failure (a flood keeping the queue
          // full is banned too); a clean one never does.
          if (suspect && error instanceof HashGateBusyError) failed(request, keys);
          throw new ServerBusy();
        }
        throw error;
      } finally {
        socket.off('close', onClose);
      }
    },

    failed,

    /** Forgets the name's failures; never the address's (see `LoginThrottle.succeeded`). */
    succeeded(keys: LoginKeys): void {
      throttle.succeeded([keys.name]);
    },
  };
}

export type ApiLoginGuard = ReturnType<typeof createApiLoginGuard>;
