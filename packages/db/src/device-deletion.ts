import { and, eq } from 'drizzle-orm';
import type { Database } from './client.ts';
import { aclRules, devices } from './schema.ts';

/**
 * Deletes a device and everything in the database that was its, in one transaction: its
 * credentials (by cascade) and the ACL rules written for it as a principal, so a device
 * created later under the same id inherits nothing. The triggers tell every broker and API
 * instance (NOTIFY device_access_changed, acl_rules_changed), which end its connections and
 * purge its session, queued and retained messages. Its telemetry history stays.
 * Resolves false when there was no such device.
 */
export async function deleteDevice(db: Database, deviceId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx
      .delete(aclRules)
      .where(and(eq(aclRules.principalKind, 'device'), eq(aclRules.principalId, deviceId)));
    const deleted = await tx
      .delete(devices)
      .where(eq(devices.id, deviceId))
      .returning({ id: devices.id });
    return deleted.length > 0;
  });
}
