import { createHash } from 'node:crypto';

/**
 * Remembers successful device verifications for a short time, so a reconnect storm does not
 * cost one scrypt (~45 ms of CPU) per connection. Keyed by a hash of id and secret: the
 * secret itself is never kept. Revocation clears a device's entries at once.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { credentialId: string; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(deviceId: string, secret: string): string | undefined {
    const key = cacheKey(deviceId, secret);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.credentialId;
  }

  set(deviceId: string, secret: string, credentialId: string): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(cacheKey(deviceId, secret), {
      credentialId,
      expires: this.now() + this.ttlMs,
    });
  }

  forgetDevice(deviceId: string): void {
    const prefix = `${deviceId}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

function cacheKey(deviceId: string, secret: string): string {
  return `${deviceId}\u0000${createHash('sha256').update(secret).digest('base64')}`;
}
