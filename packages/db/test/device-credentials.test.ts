import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import {
  issueDeviceCredential,
  revokeDeviceCredential,
  verifyDeviceCredential,
} from '../src/device-credentials.ts';
import { devices } from '../src/schema.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  await database.db.insert(devices).values([
    { id: 'thermostat-1', name: 'Hall thermostat' },
    { id: 'thermostat-2', name: 'Attic thermostat' },
  ]);
});
afterAll(() => database.drop());

it('issues a secret once, stores only its scrypt hash, and verifies it', async () => {
  const issued = await issueDeviceCredential(database.db, 'thermostat-1');
  expect(issued.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const stored = await database.pool.query<{ secret_hash: string }>(
    'SELECT secret_hash FROM device_credentials WHERE id = $1',
    [issued.id],
  );
  expect(stored.rows[0]?.secret_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
  expect(stored.rows[0]?.secret_hash).not.toContain(issued.secret);
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', issued.secret)).toBe(issued.id);
});

it('refuses a wrong secret, another device’s secret and a revoked credential', async () => {
  const first = await issueDeviceCredential(database.db, 'thermostat-1');
  const second = await issueDeviceCredential(database.db, 'thermostat-2');
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', `${first.secret}x`)).toBeNull();
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', second.secret)).toBeNull();
  expect(await verifyDeviceCredential(database.db, 'no-such-device', first.secret)).toBeNull();

  expect(await revokeDeviceCredential(database.db, first.id)).toBe(true);
  expect(await revokeDeviceCredential(database.db, first.id)).toBe(false);
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', first.secret)).toBeNull();
  expect(await verifyDeviceCredential(database.db, 'thermostat-2', second.secret)).toBe(second.id);
});

it('notifies device_access_changed with the device id when a credential is revoked or the device deleted', async () => {
  await database.db.insert(devices).values({ id: 'doomed', name: 'Doomed' });
  const credential = await issueDeviceCredential(database.db, 'doomed');
  const listener = await database.pool.connect();
  const payloads: string[] = [];
  listener.on('notification', (message) => payloads.push(message.payload ?? ''));
  await listener.query('LISTEN device_access_changed');
  try {
    await revokeDeviceCredential(database.db, credential.id);
    await database.pool.query("DELETE FROM devices WHERE id = 'doomed'");
    // One for the revoke, one for the delete: PostgreSQL folds the cascade's identical
    // notification into the delete's, as they share a transaction.
    await expect.poll(() => payloads).toEqual(['doomed', 'doomed']);
  } finally {
    listener.release();
  }
});
