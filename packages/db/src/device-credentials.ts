import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull, notLike } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deviceCredentials, devices } from './schema.ts';
import {
  generateSecret,
  hashDeviceSecret,
  runHashNow,
  verifySecret,
  type RunHash,
} from './secrets.ts';

export interface IssuedCredential {
  id: string;
  deviceId: string;
  /** The only time the secret exists in clear: hand it to the operator, it is not stored. */
  secret: string;
}

// A secret names its credential: `<credential uuid>.<32 random bytes, base64url>`, so a
// login looks up that one credential and hashes once, however many the device holds. The
// stored hash of such a credential is marked, so a secret without a name (issued before)
// is never tried against it.
const NAMED_SECRET =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[A-Za-z0-9_-]+$/;
const NAMED_HASH_PREFIX = 'named:';

/** The credential id a secret names, or null for a secret issued before secrets named theirs. */
export function credentialNamedBy(secret: string): string | null {
  return NAMED_SECRET.exec(secret)?.[1] ?? null;
}

export async function issueDeviceCredential(
  db: Database,
  deviceId: string,
): Promise<IssuedCredential> {
  const id = randomUUID();
  const secret = `${id}.${generateSecret()}`;
  const [row] = await db
    .insert(deviceCredentials)
    .values({ id, deviceId, secretHash: NAMED_HASH_PREFIX + hashDeviceSecret(secret) })
    .returning({ id: deviceCredentials.id });
  if (!row) throw new Error(`no credential row returned for device ${deviceId}`);
  return { id: row.id, deviceId, secret };
}

/** Resolves true when the credential existed and was active. */
export async function revokeDeviceCredential(db: Database, credentialId: string): Promise<boolean> {
  const rows = await db
    .update(deviceCredentials)
    .set({ revokedAt: new Date() })
    .where(and(eq(deviceCredentials.id, credentialId), isNull(deviceCredentials.revokedAt)))
    .returning({ id: deviceCredentials.id });
  return rows.length > 0;
}

/**
 * The id of the device's unrevoked credential that `secret` matches, or null. Callers keep
 * the id to notice later when exactly that credential is revoked. A named secret costs at
 * most one hash; a secret issued before names were introduced costs one per unnamed active
 * credential of the device (re-issuing the credential removes that cost). Every hash goes
 * through `runHash`.
 */
export async function verifyDeviceCredential(
  db: Database,
  deviceId: string,
  secret: string,
  runHash: RunHash = runHashNow,
): Promise<string | null> {
  const named = credentialNamedBy(secret);
  const active = await db
    .select({ id: deviceCredentials.id, secretHash: deviceCredentials.secretHash })
    .from(deviceCredentials)
    .where(
      and(
        eq(deviceCredentials.deviceId, deviceId),
        isNull(deviceCredentials.revokedAt),
        named === null
          ? notLike(deviceCredentials.secretHash, `${NAMED_HASH_PREFIX}%`)
          : eq(deviceCredentials.id, named),
      ),
    );
  for (const { id, secretHash } of active) {
    const encoded = secretHash.startsWith(NAMED_HASH_PREFIX)
      ? secretHash.slice(NAMED_HASH_PREFIX.length)
      : secretHash;
    if (await runHash(() => verifySecret(secret, encoded))) return id;
  }
  return null;
}

export interface DeviceAccess {
  /** The given devices that still exist. */
  existing: Set<string>;
  /** Their credentials that are not revoked. */
  activeCredentials: Set<string>;
}

/**
 * What a connected device still holds: whether it exists and which credentials still work.
 * Brokers and the API's device socket cut off a connection whose answer says no.
 */
export async function readDeviceAccess(db: Database, deviceIds: string[]): Promise<DeviceAccess> {
  const [existing, active] = await Promise.all([
    db.select({ id: devices.id }).from(devices).where(inArray(devices.id, deviceIds)),
    db
      .select({ id: deviceCredentials.id })
      .from(deviceCredentials)
      .where(
        and(inArray(deviceCredentials.deviceId, deviceIds), isNull(deviceCredentials.revokedAt)),
      ),
  ]);
  return {
    existing: new Set(existing.map((row) => row.id)),
    activeCredentials: new Set(active.map((row) => row.id)),
  };
}
