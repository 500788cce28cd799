import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import { randomBytes, scryptSync } from 'node:crypto';
import { users } from '../src/schema.ts';
import { countUsers, createUser, verifyUserPassword } from '../src/users.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

it('creates users with scrypt-hashed passwords and verifies only the right password', async () => {
  expect(await countUsers(database.db)).toBe(0);
  const created = await createUser(database.db, {
    username: 'ada',
    password: 'correct horse battery',
    role: 'operator',
  });
  expect(created).toMatchObject({ username: 'ada', role: 'operator' });
  expect(await countUsers(database.db)).toBe(1);
  expect(await verifyUserPassword(database.db, 'ada', 'correct horse battery')).toEqual(created);
  expect(await verifyUserPassword(database.db, 'ada', 'wrong')).toBeNull();
  expect(await verifyUserPassword(database.db, 'nobody', 'correct horse battery')).toBeNull();
  const stored = await database.pool.query<{ password_hash: string }>(
    "SELECT password_hash FROM users WHERE username = 'ada'",
  );
  expect(stored.rows[0]?.password_hash).toMatch(/^scrypt\$/);
});

it('refuses a disabled user and a duplicate username', async () => {
  await createUser(database.db, { username: 'grace', password: 'pw-grace-123', role: 'viewer' });
  await expect(
    createUser(database.db, { username: 'grace', password: 'x', role: 'viewer' }),
  ).rejects.toThrow();
  await database.pool.query("UPDATE users SET disabled_at = now() WHERE username = 'grace'");
  expect(await verifyUserPassword(database.db, 'grace', 'pw-grace-123')).toBeNull();
});

/** A password hash as issue #13.7 found them: scrypt N=2^14, meant for device secrets. */
function legacyPasswordHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N: 16_384, r: 8, p: 1 });
  return ['scrypt', 16_384, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

async function storedHash(username: string): Promise<string | undefined> {
  const stored = await database.pool.query<{ password_hash: string }>(
    'SELECT password_hash FROM users WHERE username = $1',
    [username],
  );
  return stored.rows[0]?.password_hash;
}

it('hashes new passwords with scrypt N=2^17, r=8, p=1 (OWASP, for human passwords)', async () => {
  await createUser(database.db, { username: 'owasp', password: 'pw-owasp-1234', role: 'viewer' });
  expect(await storedHash('owasp')).toMatch(/^scrypt\$131072\$8\$1\$/);
});

it('re-hashes a password stored with weaker parameters at its next successful login only', async () => {
  await database.db.insert(users).values({
    username: 'veteran',
    role: 'viewer',
    passwordHash: legacyPasswordHash('pw-veteran-123'),
  });
  const before = await storedHash('veteran');

  expect(await verifyUserPassword(database.db, 'veteran', 'wrong password')).toBeNull();
  expect(await storedHash('veteran')).toBe(before);

  expect(await verifyUserPassword(database.db, 'veteran', 'pw-veteran-123')).toMatchObject({
    username: 'veteran',
  });
  expect(await storedHash('veteran')).toMatch(/^scrypt\$131072\$8\$1\$/);
  expect(await verifyUserPassword(database.db, 'veteran', 'pw-veteran-123')).not.toBeNull();
});
