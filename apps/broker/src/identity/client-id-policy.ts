import type { Principal } from '@twinwire/acl/rules';
import type { Database } from '@twinwire/db/client';
import { devices } from '@twinwire/db/schema';
import { isValidDeviceId } from '@twinwire/schemas/topics';
import { eq } from 'drizzle-orm';

/**
 * Why `principal` may not present `clientId`, or null when it may. A device's client id is
 * its device id. Users, services and anonymous clients choose any client id, as standard
 * tools do, except one that names a device: that is the device's, connected or not.
 */
export async function clientIdRefusal(
  db: Database,
  principal: Principal,
  clientId: string,
): Promise<'client_id_not_owned' | 'client_id_of_a_device' | null> {
  if (principal.kind === 'device') return clientId === principal.id ? null : 'client_id_not_owned';
  if (!isValidDeviceId(clientId)) return null;
  const [device] = await db
    .select({ id: devices.id })
    .from(devices)
    .where(eq(devices.id, clientId))
    .limit(1);
  return device ? 'client_id_of_a_device' : null;
}
