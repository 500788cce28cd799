import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createAclStore } from '../src/acl-store.ts';
import { aclRules } from '../src/schema.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/postgres.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(() => database.drop());

const viewer = { kind: 'user', id: 'u1', username: 'ann', role: 'viewer' } as const;

it('compiles the default role rules plus stored rules, and picks up changes on reload', async () => {
  const outcomes: unknown[] = [];
  const store = await createAclStore({
    db: database.db,
    onReload: (outcome) => outcomes.push(outcome),
  });
  expect(store.current().authorizeSubscribe(viewer, 'devices/+/telemetry')).toBe(true);

  await database.db
    .insert(aclRules)
    .values({ effect: 'deny', action: 'subscribe', topic: 'devices/secret/#', role: 'viewer' });
  expect(store.current().authorizeSubscribe(viewer, 'devices/secret/telemetry')).toBe(true);
  await store.reload();
  expect(store.current().authorizeSubscribe(viewer, 'devices/secret/telemetry')).toBe(false);
  expect(store.current().authorizeSubscribe(viewer, 'devices/open/telemetry')).toBe(true);
  expect(outcomes).toEqual([{ rules: expect.any(Number) as number }]);
});

it('keeps the previous rules when a stored rule is invalid, and says why', async () => {
  const outcomes: ({ rules: number } | { error: unknown })[] = [];
  const store = await createAclStore({
    db: database.db,
    onReload: (outcome) => outcomes.push(outcome),
  });
  const before = store.current();
  await database.db
    .insert(aclRules)
    .values({ effect: 'allow', action: 'subscribe', topic: 'devices/#/bad', role: 'viewer' });
  await store.reload();
  expect(store.current()).toBe(before);
  expect(outcomes).toHaveLength(1);
  expect(String((outcomes[0] as { error: unknown }).error)).toMatch(/devices\/#\/bad|#/);
  await database.pool.query("DELETE FROM acl_rules WHERE topic = 'devices/#/bad'");
});

it('coalesces reloads requested during a reload into one more', async () => {
  let reloads = 0;
  const store = await createAclStore({ db: database.db, onReload: () => (reloads += 1) });
  await Promise.all([store.reload(), store.reload(), store.reload(), store.reload()]);
  expect(reloads).toBe(2);
});
