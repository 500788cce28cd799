import { createHash } from 'node:crypto';
import type { Database } from '@twinwire/db/client';
import { verifyDeviceCredential } from '@twinwire/db/device-credentials';
import type { RunHash } from '@twinwire/db/secrets';
import type { FastifyRequest } from 'fastify';

export interface DeviceCredentials {
  deviceId: string;
  secret: string;
}

/**
 * The credentials a device offers on the upgrade: `Authorization: Basic base64(id:secret)`,
 * or `?device_id=&secret=` for clients that cannot set headers (browsers, some embedded
 * stacks). The header is preferred: a query string can end up in proxy and access logs.
 */
export function deviceCredentialsOf(request: FastifyRequest): DeviceCredentials | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return null;
    return { deviceId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  const query = request.query as { device_id?: unknown; secret?: unknown } | undefined;
  if (typeof query?.device_id === 'string' && typeof query.secret === 'string')
    return { deviceId: query.device_id, secret: query.secret };
  return null;
}

const MAX_CACHED = 10_000;

/**
 * Verifies device credentials, remembering successes for `ttlMs`: a fleet reconnecting at
 * once must not queue a lookup each, nor seconds of scrypt for credentials issued before
 * device secrets were hashed with SHA-256. Only a hash of the secret is
 * kept. A revocation NOTIFY (see db-events) forgets the device's entries at once; without
 * it a revoked credential would keep working for at most `ttlMs` on new connections.
 */
export class DeviceAuthenticator {
  private readonly verified = new Map<string, { credentialId: string; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly ttlMs = 30_000,
  ) {}

  /** Drops the device's remembered successes: its next connection is verified afresh. */
  forgetDevice(deviceId: string): void {
    const prefix = `${deviceId}\u0000`;
    for (const key of this.verified.keys()) if (key.startsWith(prefix)) this.verified.delete(key);
  }

  /** The credential id, from memory or by hashing through `runHash`; null when wrong. */
  async verify({ deviceId, secret }: DeviceCredentials, runHash?: RunHash): Promise<string | null> {
    const key = `${deviceId}\u0000${createHash('sha256').update(secret).digest('base64')}`;
    const cached = this.verified.get(key);
    if (cached && cached.until > Date.now()) return cached.credentialId;
    this.verified.delete(key);
    const credentialId = await verifyDeviceCredential(this.db, deviceId, secret, runHash);
    if (credentialId === null) return null;
    if (this.verified.size >= MAX_CACHED) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(key, { credentialId, until: Date.now() + this.ttlMs });
    return credentialId;
  }
}
