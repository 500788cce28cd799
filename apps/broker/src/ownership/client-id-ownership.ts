import { randomUUID } from 'node:crypto';
import type { Principal } from '@twinwire/acl/rules';
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../log.ts';
import { NEVER, type OwnerStore } from './owner-store.ts';
import { wipeSession } from './session-wipe.ts';

/** MQTT 5.0's Session Expiry Interval for "never" (§3.1.2.11.2); aedes gives it to 3.1.1's persistent sessions too. */
const SESSION_NEVER_EXPIRES = 0xffff_ffff;
/** Sessions expired per sweep; the rest wait for the next one. */
const SWEEP_BATCH = 500;

/** The principal a session belongs to, as the owner stores name it. */
function ownerOf(principal: Principal): string {
  return principal.kind === 'service' ? 'service' : `${principal.kind}:${principal.id}`;
}

/**
 * A session belongs to the principal whose connection created it: another principal
 * presenting the same client id is refused while the session lives (connected or not), and
 * the rightful connection stays. A device always gets its own id: its client id is its
 * device id, and a session another principal held under it is wiped first.
 */
export function createClientIdOwnership(deps: { store: OwnerStore; aedes: Aedes; log: Logger }) {
  const tokens = new WeakMap<Client, string>();
  const abandoned = new WeakSet<Client>();

  function release(client: Client, token: string, expirySeconds: number): void {
    deps.store.end(client.id, token, expirySeconds).catch((error: unknown) => {
      deps.log.warn({ err: error, clientId: client.id }, 'could not record the end of a session');
    });
  }

  return {
    /** Claims `client.id` for `principal`; false when another principal's session holds it. */
    async claim(client: Client, principal: Principal): Promise<boolean> {
      const token = randomUUID();
      const device = principal.kind === 'device' && principal.id === client.id;
      const expiry = expiryOf(client);
      const result = await deps.store.claim(client.id, ownerOf(principal), token, device, expiry);
      if (!result.claimed) return false;
      if (abandoned.has(client)) {
        release(client, token, 0);
        return false;
      }
      tokens.set(client, token);
      if (result.wipe) await wipeSession(deps.aedes, client.id);
      return true;
    },

    /** The connection was refused after all (the check took too long): its claim, if any, goes. */
    abandon(client: Client): void {
      abandoned.add(client);
      const token = tokens.get(client);
      if (token === undefined) return;
      tokens.delete(client);
      release(client, token, 0);
    },

    /**
     * `clientDisconnect`: the session ends with the connection, when its expiry interval has
     * passed, or never, as the client last said (CONNECT, or an MQTT 5.0 DISCONNECT).
     */
    ended(client: Client): void {
      const token = tokens.get(client);
      if (token === undefined) return;
      tokens.delete(client);
      release(client, token, expiryOf(client));
    },

    /**
     * Ends the sessions of brokers that died with their clients connected, forgets expired
     * sessions, and wipes what the broker that held them could not.
     */
    async sweep(): Promise<void> {
      await deps.store.maintain();
      for (;;) {
        const expired = await deps.store.takeExpired(SWEEP_BATCH);
        for (const clientId of expired) await wipeSession(deps.aedes, clientId);
        if (expired.length < SWEEP_BATCH) return;
      }
    },
  };
}

/** The Session Expiry Interval the client last asked for (aedes gives 3.1.1 ones 0 or never). */
function expiryOf(client: Client): number {
  const expiry = client.sessionExpiryInterval;
  return expiry >= SESSION_NEVER_EXPIRES ? NEVER : expiry;
}

export type ClientIdOwnership = ReturnType<typeof createClientIdOwnership>;
