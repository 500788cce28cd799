import type { Database } from '@twinwire/db/client';
import { deviceCredentials, devices } from '@twinwire/db/schema';
import { and, eq, isNull } from 'drizzle-orm';

/**
 * The credentials still valid for a device: none when the device was deleted, otherwise
 * those not revoked. A connected device whose credential is not among them is cut off.
 */
export async function activeCredentialIds(db: Database, deviceId: string): Promise<Set<string>> {
  const rows = await db
    .select({ id: deviceCredentials.id })
    .from(deviceCredentials)
    .innerJoin(devices, eq(devices.id, deviceCredentials.deviceId))
    .where(and(eq(deviceCredentials.deviceId, deviceId), isNull(deviceCredentials.revokedAt)));
  return new Set(rows.map((row) => row.id));
}
