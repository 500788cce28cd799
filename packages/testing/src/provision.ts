import type { Database } from '@twinwire/db/client';
import { issueDeviceCredential } from '@twinwire/db/device-credentials';
import { devices } from '@twinwire/db/schema';

export interface ProvisionedDevice {
  id: string;
  /** The credential's secret in clear: the device's MQTT password. */
  secret: string;
  credentialId: string;
}

export interface ProvisionOptions {
  /** The device's display name; its id when not given. */
  name?: string;
  tags?: string[];
  /** Keep a device that already exists and only issue it another credential. */
  existing?: 'keep';
}

/** Creates a device (through @twinwire/db's schema) and issues it one credential. */
export async function provisionDevice(
  db: Database,
  id: string,
  options: ProvisionOptions = {},
): Promise<ProvisionedDevice> {
  const insert = db
    .insert(devices)
    .values({ id, name: options.name ?? id, tags: options.tags ?? [] });
  await (options.existing === 'keep' ? insert.onConflictDoNothing() : insert);
  return credentialFor(db, id);
}

/** Creates the devices in one statement, then issues each one credential. */
export async function provisionDevices(
  db: Database,
  ids: readonly string[],
): Promise<ProvisionedDevice[]> {
  if (ids.length === 0) return [];
  await db.insert(devices).values(ids.map((id) => ({ id, name: id })));
  return Promise.all(ids.map((id) => credentialFor(db, id)));
}

async function credentialFor(db: Database, id: string): Promise<ProvisionedDevice> {
  const credential = await issueDeviceCredential(db, id);
  return { id, secret: credential.secret, credentialId: credential.id };
}
