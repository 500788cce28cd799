import { verifyDeviceCredential } from '@twinwire/db/device-credentials';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { provisionDevice, provisionDevices } from '../src/provision.ts';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await database.drop();
});

async function storedName(id: string): Promise<string | undefined> {
  const result = await database.pool.query<{ name: string }>(
    'SELECT name FROM devices WHERE id = $1',
    [id],
  );
  return result.rows[0]?.name;
}

it('creates a device whose credential verifies', async () => {
  const device = await provisionDevice(database.db, 'pump-1', {
    name: 'Pump, hall 1',
    tags: ['hall-1'],
  });
  expect(device.id).toBe('pump-1');
  expect(await storedName('pump-1')).toBe('Pump, hall 1');
  const tags = await database.pool.query<{ tags: string[] }>(
    "SELECT tags FROM devices WHERE id = 'pump-1'",
  );
  expect(tags.rows[0]?.tags).toEqual(['hall-1']);
  expect(await verifyDeviceCredential(database.db, 'pump-1', device.secret)).toBe(
    device.credentialId,
  );
  expect(await verifyDeviceCredential(database.db, 'pump-1', `${device.secret}x`)).toBeNull();
});

it('refuses an existing id unless told to keep the device, then adds a credential', async () => {
  const first = await provisionDevice(database.db, 'pump-2');
  await expect(provisionDevice(database.db, 'pump-2')).rejects.toThrow();
  const second = await provisionDevice(database.db, 'pump-2', { existing: 'keep' });
  expect(second.credentialId).not.toBe(first.credentialId);
  expect(await verifyDeviceCredential(database.db, 'pump-2', first.secret)).toBe(
    first.credentialId,
  );
  expect(await verifyDeviceCredential(database.db, 'pump-2', second.secret)).toBe(
    second.credentialId,
  );
});

it('creates many devices, each with a credential of its own', async () => {
  const fleet = await provisionDevices(database.db, ['meter-a', 'meter-b', 'meter-c']);
  expect(fleet.map((device) => device.id)).toEqual(['meter-a', 'meter-b', 'meter-c']);
  for (const device of fleet) {
    expect(await storedName(device.id)).toBe(device.id);
    expect(await verifyDeviceCredential(database.db, device.id, device.secret)).toBe(
      device.credentialId,
    );
  }
  // One device's secret is not another's.
  expect(await verifyDeviceCredential(database.db, 'meter-b', fleet[0]?.secret ?? '')).toBeNull();
  expect(await provisionDevices(database.db, [])).toEqual([]);
});
