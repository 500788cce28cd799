import { createHash } from 'node:crypto';

interface Entry {
  credentialId: string;
  expires: number;
}

/**
 * Remembers successful device verifications for a short time, so a reconnect storm does not
 * cost a database lookup and a hash per connection (a scrypt of ~45 ms for credentials issued
 * before device secrets were hashed with SHA-256). Keyed by device, then by a hash of the
 * secret: the secret itself is never kept. Revocation forgets a device's entries at once.
 */
export class CredentialCache {
  private readonly byDevice = new Map<string, Map<string, Entry>>();
  private size = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(deviceId: string, secret: string): string | undefined {
    const entries = this.byDevice.get(deviceId);
    const key = digest(secret);
    const entry = entries?.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      entries?.delete(key);
      this.size -= 1;
      return undefined;
    }
    return entry.credentialId;
  }

  set(deviceId: string, secret: string, credentialId: string): void {
    if (this.size >= this.maxEntries) {
      this.byDevice.clear();
      this.size = 0;
    }
    const entries = this.byDevice.get(deviceId) ?? new Map<string, Entry>();
    const key = digest(secret);
    if (!entries.has(key)) this.size += 1;
    entries.set(key, { credentialId, expires: this.now() + this.ttlMs });
    this.byDevice.set(deviceId, entries);
  }

  forgetDevice(deviceId: string): void {
    this.size -= this.byDevice.get(deviceId)?.size ?? 0;
    this.byDevice.delete(deviceId);
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64');
}
