/**
 * Who a session belongs to, by client id, for as long as the session lives: while its
 * client is connected, and after, until it expires (MQTT 5.0 Session Expiry Interval) or for
 * ever (an MQTT 3.1.1 persistent session). One broker keeps the records in memory, as it does
 * its sessions; a cluster keeps them in Redis beside the sessions (`redis-owner-store.ts`).
 */
export interface OwnerStore {
  /**
   * Takes `clientId` for `owner`'s connection `token`, whose session expiry is
   * `expirySeconds` should its broker die with it. Refused when another owner's session holds
   * it, unless `force` (a device and its own id). `wipe`: the session held under the id is not
   * `owner`'s to resume (it expired, or was another owner's) and must go first.
   */
  claim(
    clientId: string,
    owner: string,
    token: string,
    force: boolean,
    expirySeconds: number,
  ): Promise<ClaimResult>;
  /**
   * The connection `token` ended: its session ends now (`expirySeconds` 0), that many seconds
   * later, or never (`NEVER`). Nothing happens when another connection has taken the id over.
   */
  end(clientId: string, token: string, expirySeconds: number): Promise<void>;
  /** Forgets the sessions whose end has come, up to `limit`, and returns their client ids. */
  takeExpired(limit: number): Promise<string[]>;
  /**
   * Says this broker is alive, and ends the connections of brokers that are not: a broker
   * killed with its clients connected never ended them, and their sessions would never
   * expire. Periodic; a broker alone has nothing to do.
   */
  maintain(): Promise<void>;
}

export type ClaimResult = { claimed: false } | { claimed: true; wipe: boolean };

/** The expiry of a session that never expires. */
export const NEVER = Number.POSITIVE_INFINITY;

interface OwnerRecord {
  owner: string;
  token: string;
  /** 0 while connected; when the session ends once its client is gone; NEVER. */
  endsAt: number;
}

/** The owner records of one broker, whose sessions live in its memory too. */
export class MemoryOwnerStore implements OwnerStore {
  readonly #records = new Map<string, OwnerRecord>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  claim(clientId: string, owner: string, token: string, force: boolean): Promise<ClaimResult> {
    // A broker alone keeps its sessions in memory: none outlive it, its claims need no expiry.
    const record = this.#records.get(clientId);
    let wipe = false;
    if (record !== undefined) {
      if (isOver(record, this.#now())) wipe = true;
      else if (record.owner !== owner) {
        if (!force) return Promise.resolve({ claimed: false });
        wipe = true;
      }
    }
    this.#records.set(clientId, { owner, token, endsAt: 0 });
    return Promise.resolve({ claimed: true, wipe });
  }

  end(clientId: string, token: string, expirySeconds: number): Promise<void> {
    const record = this.#records.get(clientId);
    if (record?.token !== token) return Promise.resolve();
    if (expirySeconds === 0) this.#records.delete(clientId);
    else record.endsAt = expirySeconds === NEVER ? NEVER : this.#now() + expirySeconds * 1000;
    return Promise.resolve();
  }

  maintain(): Promise<void> {
    return Promise.resolve();
  }

  takeExpired(limit: number): Promise<string[]> {
    const now = this.#now();
    const taken: string[] = [];
    for (const [clientId, record] of this.#records) {
      if (taken.length >= limit) break;
      if (!isOver(record, now)) continue;
      this.#records.delete(clientId);
      taken.push(clientId);
    }
    return Promise.resolve(taken);
  }
}

function isOver(record: OwnerRecord, now: number): boolean {
  return record.endsAt > 0 && record.endsAt <= now;
}
