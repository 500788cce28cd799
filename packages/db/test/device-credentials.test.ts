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
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', issued.secret)).toBe(true);
});

it('refuses a wrong secret, another device’s secret and a revoked credential', async () => {
  const first = await issueDeviceCredential(database.db, 'thermostat-1');
  const second = await issueDeviceCredential(database.db, 'thermostat-2');
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', `${first.secret}x`)).toBe(false);
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', second.secret)).toBe(false);
  expect(await verifyDeviceCredential(database.db, 'no-such-device', first.secret)).toBe(false);

  expect(await revokeDeviceCredential(database.db, first.id)).toBe(true);
  expect(await revokeDeviceCredential(database.db, first.id)).toBe(false);
  expect(await verifyDeviceCredential(database.db, 'thermostat-1', first.secret)).toBe(false);
  expect(await verifyDeviceCredential(database.db, 'thermostat-2', second.secret)).toBe(true);
});
