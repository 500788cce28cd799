import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
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
