import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  credentialNamedBy,
  issueDeviceCredential,
  revokeDeviceCredential,
  verifyDeviceCredential,
} from '../src/device-credentials.ts';
import { deviceCredentials, devices } from '../src/schema.ts';
import { generateSecret, hashSecret, type RunHash } from '../src/secrets.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  await database.db.insert(devices).values([
    { id: 'thermostat-1', name: 'Hall thermostat' },
    { id: 'thermostat-2', name: 'Attic thermostat' },
  ]);
});
afterAll(() => database.drop());

it('issues a secret once, stores only its salted SHA-256 hash, and verifies it', async () => {
  const issued = await issueDeviceCredential(database.db, 'thermostat-1');
  expect(issued.secret).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  expect(credentialNamedBy(issued.secret)).toBe(issued.id);
  const stored = await database.pool.query<{ secret_hash: string }>(
    'SELECT secret_hash FROM device_credentials WHERE id = $1',
    [issued.id],
  );
  expect(stored.rows[0]?.secret_hash).toMatch(/^named:sha256\$/);
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

/** A RunHash that counts the hashes it runs. */
function countingRunHash(): { runHash: RunHash; count: () => number } {
  let hashes = 0;
  return {
    runHash: (hash) => {
      hashes += 1;
      return hash();
    },
    count: () => hashes,
  };
}

it('spends one hash on a wrong named secret however many credentials the device holds', async () => {
  await database.db.insert(devices).values({ id: 'many-keys', name: 'Many keys' });
  const issued = [];
  for (let i = 0; i < 10; i++) issued.push(await issueDeviceCredential(database.db, 'many-keys'));
  const last = issued.at(-1)!;

  const right = countingRunHash();
  expect(await verifyDeviceCredential(database.db, 'many-keys', last.secret, right.runHash)).toBe(
    last.id,
  );
  expect(right.count()).toBe(1);

  const wrong = countingRunHash();
  const forged = `${last.id}.${generateSecret()}`;
  expect(await verifyDeviceCredential(database.db, 'many-keys', forged, wrong.runHash)).toBeNull();
  expect(wrong.count()).toBe(1);

  // A name that is no credential of this device, and an unnamed secret when every
  // credential is named, cost no hash at all.
  const unknown = countingRunHash();
  const elsewhere = `${randomUUID()}.${generateSecret()}`;
  expect(await verifyDeviceCredential(database.db, 'many-keys', elsewhere, unknown.runHash)).toBe(
    null,
  );
  expect(
    await verifyDeviceCredential(database.db, 'many-keys', generateSecret(), unknown.runHash),
  ).toBeNull();
  expect(unknown.count()).toBe(0);
});

it('still accepts a secret issued before secrets named their credential', async () => {
  await database.db.insert(devices).values({ id: 'old-timer', name: 'Old timer' });
  const legacySecret = generateSecret();
  const [legacy] = await database.db
    .insert(deviceCredentials)
    .values({ deviceId: 'old-timer', secretHash: await hashSecret(legacySecret) })
    .returning({ id: deviceCredentials.id });
  const renewed = await issueDeviceCredential(database.db, 'old-timer');
  const counted = countingRunHash();
  expect(
    await verifyDeviceCredential(database.db, 'old-timer', legacySecret, counted.runHash),
  ).toBe(legacy?.id);
  // Only the unnamed credential was tried.
  expect(counted.count()).toBe(1);
  expect(await verifyDeviceCredential(database.db, 'old-timer', renewed.secret)).toBe(renewed.id);
});
