import pino from 'pino';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { listenToDb } from '../src/listen.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';
import { listUsers, updateUser } from '../src/user-admin.ts';
import { createUser, setUserPassword, verifyUserPassword } from '../src/users.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

it('never leaves the installation without an enabled admin', async () => {
  const first = await createUser(database.db, {
    username: 'first-admin',
    password: 'pw-first-admin',
    role: 'admin',
  });
  expect(await updateUser(database.db, first.id, { role: 'viewer' })).toEqual({
    ok: false,
    reason: 'last-admin',
  });
  expect(await updateUser(database.db, first.id, { disabled: true })).toEqual({
    ok: false,
    reason: 'last-admin',
  });
  const second = await createUser(database.db, {
    username: 'second-admin',
    password: 'pw-second-admin',
    role: 'admin',
  });
  // Two admins demoting each other at once: exactly one succeeds.
  const outcomes = await Promise.all([
    updateUser(database.db, first.id, { role: 'operator' }),
    updateUser(database.db, second.id, { role: 'operator' }),
  ]);
  expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
  const admins = (await listUsers(database.db)).filter(
    (user) => user.role === 'admin' && user.disabledAt === null,
  );
  expect(admins).toHaveLength(1);
  expect(await updateUser(database.db, '00000000-0000-4000-8000-000000000000', {})).toEqual({
    ok: false,
    reason: 'not-found',
  });
});

it('disables and enables a user, revoking their refresh tokens, and resets a password', async () => {
  const user = await createUser(database.db, {
    username: 'operator-ada',
    password: 'pw-ada-original',
    role: 'operator',
  });
  await database.pool.query(
    "INSERT INTO refresh_tokens (user_id, token_hash, expires_at) VALUES ($1, 'h1', now() + interval '1 day')",
    [user.id],
  );
  const disabled = await updateUser(database.db, user.id, { disabled: true });
  expect(disabled).toMatchObject({ ok: true, user: { disabledAt: expect.any(Date) as Date } });
  const tokens = await database.pool.query<{ revoked: boolean }>(
    'SELECT revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE user_id = $1',
    [user.id],
  );
  expect(tokens.rows).toEqual([{ revoked: true }]);
  expect(await verifyUserPassword(database.db, 'operator-ada', 'pw-ada-original')).toBeNull();
  await updateUser(database.db, user.id, { disabled: false });
  expect(await setUserPassword(database.db, user.id, 'pw-ada-replaced')).toBe(true);
  expect(await verifyUserPassword(database.db, 'operator-ada', 'pw-ada-original')).toBeNull();
  expect(await verifyUserPassword(database.db, 'operator-ada', 'pw-ada-replaced')).toMatchObject({
    username: 'operator-ada',
  });
});

it('notifies user_access_changed with the time of a role, state or password change', async () => {
  const user = await createUser(database.db, {
    username: 'viewer-bo',
    password: 'pw-viewer-bo',
    role: 'viewer',
  });
  const received: string[] = [];
  const events = listenToDb({
    url: database.url,
    channels: { user_access_changed: (payload) => received.push(payload) },
    onReconnect: () => undefined,
    log: pino({ level: 'silent' }),
  });
  await events.ready;
  try {
    const before = Date.now();
    await updateUser(database.db, user.id, { role: 'operator' });
    await database.pool.query('UPDATE users SET updated_at = now() WHERE id = $1', [user.id]);
    await setUserPassword(database.db, user.id, 'pw-viewer-bo-2');
    // A marker after the changes: once it is here, every notification they caused is too.
    await database.pool.query("SELECT pg_notify('user_access_changed', 'marker')");
    await expect.poll(() => received.at(-1)).toBe('marker');
    const changes = received.slice(0, -1);
    expect(changes).toHaveLength(2);
    for (const payload of changes) {
      const [id, at] = payload.split(' ');
      expect(id).toBe(user.id);
      expect(Number(at)).toBeGreaterThanOrEqual(before - 5_000);
    }
  } finally {
    await events.close();
  }
});
