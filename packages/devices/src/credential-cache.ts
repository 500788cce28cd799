import { createHash } from 'node:crypto';
import type { Database } from '@twinwire/db/client';
import { verifyDeviceCredential } from '@twinwire/db/device-credentials';
import type { RunHash } from '@twinwire/db/secrets';

interface Entry {
  deviceId: string;
  credentialId: string;
  expires: number;
}

/**
 * Remembers successful device verifications for a short time, so a reconnect storm does not
 * cost a database lookup and a hash per connection (a scrypt of ~45 ms for credentials issued
 * before device secrets were hashed with SHA-256). Keyed by device and a hash of the secret:
 * the secret itself is never kept. Revocation forgets a device's entries at once.
 *
 * Bounded: when full, the oldest entry makes room. Every entry lives the same `ttlMs`, so the
 * oldest is also the one closest to expiring, the cheapest to lose. (Starting over when full,
 * as the broker's cache once did, would send the whole fleet back to the hash at the moment a
 * reconnect storm fills the cache.)
 */
export class CredentialCache {
  /** In insertion order: the first entry is the oldest. */
  readonly #entries = new Map<string, Entry>();
  readonly #keysByDevice = new Map<string, Set<string>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(deviceId: string, secret: string): string | undefined {
    const key = keyOf(deviceId, secret);
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.#delete(key, entry);
      return undefined;
    }
    return entry.credentialId;
  }

  set(deviceId: string, secret: string, credentialId: string): void {
    const key = keyOf(deviceId, secret);
    const previous = this.#entries.get(key);
    // Deleted first, so a refreshed entry moves to the back of the insertion order.
    if (previous) this.#delete(key, previous);
    while (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.entries().next();
      if (oldest.done) break;
      this.#delete(...oldest.value);
    }
    this.#entries.set(key, { deviceId, credentialId, expires: this.now() + this.ttlMs });
    const keys = this.#keysByDevice.get(deviceId) ?? new Set<string>();
    keys.add(key);
    this.#keysByDevice.set(deviceId, keys);
  }

  forgetDevice(deviceId: string): void {
    for (const key of this.#keysByDevice.get(deviceId) ?? []) this.#entries.delete(key);
    this.#keysByDevice.delete(deviceId);
  }

  /**
   * The credential id `secret` matches for `deviceId`, from memory or by hashing through
   * `runHash` (a login guard's hash gate); null when it matches none.
   */
  async verify(
    db: Database,
    deviceId: string,
    secret: string,
    runHash?: RunHash,
  ): Promise<string | null> {
    const cached = this.get(deviceId, secret);
    if (cached !== undefined) return cached;
    const credentialId = await verifyDeviceCredential(db, deviceId, secret, runHash);
    if (credentialId !== null) this.set(deviceId, secret, credentialId);
    return credentialId;
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    const keys = this.#keysByDevice.get(entry.deviceId);
    keys?.delete(key);
    if (keys?.size === 0) this.#keysByDevice.delete(entry.deviceId);
  }
}

function keyOf(deviceId: string, secret: string): string {
  return `${deviceId}\u0000${createHash('sha256').update(secret).digest('base64')}`;
}
