import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deviceCredentials, devices } from './schema.ts';
import { generateSecret, hashSecret, verifySecret } from './secrets.ts';

export interface IssuedCredential {
  id: string;
  deviceId: string;
  /** The only time the secret exists in clear: hand it to the operator, it is not stored. */
  secret: string;
}

export async function issueDeviceCredential(
  db: Database,
  deviceId: string,
): Promise<IssuedCredential> {
  const secret = generateSecret();
  const [row] = await db
    .insert(deviceCredentials)
    .values({ deviceId, secretHash: await hashSecret(secret) })
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
 * the id to notice later when exactly that credential is revoked.
 */
export async function verifyDeviceCredential(
  db: Database,
  deviceId: string,
  secret: string,
): Promise<string | null> {
  const active = await db
    .select({ id: deviceCredentials.id, secretHash: deviceCredentials.secretHash })
    .from(deviceCredentials)
    .where(and(eq(deviceCredentials.deviceId, deviceId), isNull(deviceCredentials.revokedAt)));
  for (const { id, secretHash } of active) {
    if (await verifySecret(secret, secretHash)) return id;
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
