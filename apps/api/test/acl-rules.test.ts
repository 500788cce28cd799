import { defaultRules } from '@twinwire/acl/default-rules';
import { aclRules } from '@twinwire/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

interface Rule {
  id: string;
  effect: 'allow' | 'deny';
  action: 'publish' | 'subscribe';
  topic: string;
  role: string | null;
  principal: { kind: string; id: string } | null;
  description: string | null;
  builtIn: boolean;
  createdAt?: string | null;
  updatedAt?: string | null;
}
interface Explanation {
  allowed: boolean;
  decidingRule: Rule | null;
  reason: string;
  matchedRules: Rule[];
}
interface ErrorBody {
  code: string;
  message: string;
}

let api: TestApi;
let admin: string;
let operator: string;
let viewer: string;

beforeAll(async () => {
  api = await buildTestApi();
  ({ admin, operator, viewer } = await api.roleTokens());
});
afterAll(() => api.close());

const call: TestApi['call'] = (method, url, token, payload) =>
  api.call(method, url, token, payload);

async function addRule(rule: Record<string, unknown>): Promise<Rule> {
  const response = await call('POST', '/acl/rules', admin, rule);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Rule>();
}

async function explain(
  principal: Record<string, unknown>,
  action: string,
  topic: string,
): Promise<Explanation> {
  const response = await call('POST', '/acl/explain', operator, { principal, action, topic });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Explanation>();
}

const deviceD1 = { kind: 'device', id: 'd1', role: 'device' };
const viewerUser = (id: string) => ({ kind: 'user', id, role: 'viewer', username: id });

describe('listing rules', () => {
  it('shows the built-in rules, flagged read-only, before the stored ones', async () => {
    const stored = await addRule({
      effect: 'deny',
      action: 'subscribe',
      topic: 'devices/secret/#',
      role: 'viewer',
      description: 'keep the secret device private',
    });
    const response = await call('GET', '/acl/rules', operator);
    expect(response.statusCode).toBe(200);
    const { items } = response.json<{ items: Rule[] }>();
    const builtIn = items.filter((rule) => rule.builtIn);
    expect(builtIn.map((rule) => rule.id)).toEqual(defaultRules.map((rule) => rule.id));
    expect(items.slice(0, builtIn.length)).toEqual(builtIn);
    expect(builtIn[0]).toEqual({
      id: 'default:device:publish-telemetry',
      effect: 'allow',
      action: 'publish',
      topic: 'devices/{deviceId}/telemetry',
      role: 'device',
      principal: null,
      description: 'Its own readings',
      builtIn: true,
      createdAt: null,
      updatedAt: null,
    });
    expect(items).toContainEqual(stored);
    expect(stored).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      effect: 'deny',
      action: 'subscribe',
      topic: 'devices/secret/#',
      role: 'viewer',
      principal: null,
      description: 'keep the secret device private',
      builtIn: false,
      createdAt: expect.stringMatching(/^\d{4}-/) as string,
      updatedAt: expect.stringMatching(/^\d{4}-/) as string,
    });
  });

  it('is for operators and admins', async () => {
    expect((await call('GET', '/acl/rules', admin)).statusCode).toBe(200);
    const asViewer = await call('GET', '/acl/rules', viewer);
    expect(asViewer.statusCode).toBe(403);
    expect(asViewer.json<ErrorBody>().code).toBe('TWW_FORBIDDEN');
    expect((await call('GET', '/acl/rules', undefined)).statusCode).toBe(401);
    const extra = await call('GET', '/acl/rules?builtIn=false', operator);
    expect(extra.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'querystring: unknown parameter "builtIn"; this route takes no query parameters',
    });
  });
});

describe('adding rules', () => {
  it('stores a rule for one principal', async () => {
    const rule = await addRule({
      effect: 'allow',
      action: 'publish',
      topic: 'plant/{username}/notes',
      principal: { kind: 'user', id: 'user-7' },
    });
    expect(rule).toMatchObject({ role: null, principal: { kind: 'user', id: 'user-7' } });
    const [row] = await api.database.db.select().from(aclRules).where(eq(aclRules.id, rule.id));
    expect(row).toMatchObject({ principalKind: 'user', principalId: 'user-7', role: null });
  });

  it('refuses an invalid rule with 400 listing its problems, storing nothing', async () => {
    const before = (await api.database.db.select().from(aclRules)).length;
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { effect: 'allow', action: 'publish', topic: 'devices/#/x', role: 'viewer' },
        /^invalid rule: topic 'devices\/#\/x' is not a valid topic filter/,
      ],
      [
        {
          effect: 'allow',
          action: 'publish',
          topic: 'a/{nope}',
          role: 'viewer',
        },
        /^invalid rule: topic 'a\/\{nope\}'/,
      ],
      [
        {
          effect: 'allow',
          action: 'publish',
          topic: 'a',
          role: 'viewer',
          principal: { kind: 'user', id: 'u' },
        },
        /both role and principal/,
      ],
      [{ effect: 'allow', action: 'publish', topic: 'a' }, /neither role nor principal/],
    ];
    for (const [payload, message] of cases) {
      const response = await call('POST', '/acl/rules', admin, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<ErrorBody>().code).toBe('TWW_INVALID_REQUEST');
      expect(response.json<ErrorBody>().message).toMatch(message);
    }
    expect((await api.database.db.select().from(aclRules)).length).toBe(before);
  });

  it('refuses wrong types, unknown values and unknown fields', async () => {
    const base = { effect: 'allow', action: 'publish', topic: 'x', role: 'viewer' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, effect: 'maybe' }, /^body\/effect: must be one of: allow, deny$/],
      [{ ...base, action: 'forward' }, /^body\/action: /],
      [{ ...base, role: 'root' }, /^body\/role: /],
      [{ ...base, topic: 5 }, /^body\/topic: must be string/],
      [{ ...base, topic: '' }, /^body\/topic: must NOT have fewer than 1 characters/],
      [{ ...base, priority: 1 }, /^body: unknown parameter "priority"/],
      [
        { ...base, role: undefined, principal: { kind: 'robot', id: 'x' } },
        /^body\/principal\/kind: /,
      ],
      [
        { ...base, role: undefined, principal: { kind: 'user', id: 'x', role: 'admin' } },
        /^body\/principal: unknown parameter "role"/,
      ],
    ];
    for (const [payload, message] of cases) {
      const response = await call('POST', '/acl/rules', admin, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<ErrorBody>()).toMatchObject({ code: 'TWW_VALIDATION' });
      expect(response.json<ErrorBody>().message).toMatch(message);
    }
    const huge = await api.app.inject({
      method: 'POST',
      url: '/api/v1/acl/rules',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...base, description: 'x'.repeat(2_000_000) }),
    });
    expect(huge.statusCode).toBe(413);
  });

  it('is for admins only', async () => {
    const rule = { effect: 'allow', action: 'publish', topic: 'x', role: 'viewer' };
    const asOperator = await call('POST', '/acl/rules', operator, rule);
    expect(asOperator.statusCode).toBe(403);
    expect(asOperator.json<ErrorBody>().code).toBe('TWW_FORBIDDEN');
    expect((await call('POST', '/acl/rules', undefined, rule)).statusCode).toBe(401);
  });
});

describe('explain', () => {
  it('names the built-in rule that allows a device its own telemetry', async () => {
    const result = await explain(deviceD1, 'publish', 'devices/d1/telemetry');
    expect(result.allowed).toBe(true);
    expect(result.decidingRule).toMatchObject({
      id: 'default:device:publish-telemetry',
      builtIn: true,
      role: 'device',
    });
    expect(result.reason).toMatch(/default:device:publish-telemetry/);
    expect(result.matchedRules.map((rule) => rule.id)).toContain(
      'default:device:publish-telemetry',
    );
  });

  it('denies by default with no deciding rule', async () => {
    const result = await explain(deviceD1, 'publish', 'devices/d2/telemetry');
    expect(result).toEqual({
      allowed: false,
      decidingRule: null,
      reason: 'denied: no rule allows it (deny by default)',
      matchedRules: [],
    });
  });

  it('changes at once when a rule is added, changed or deleted through the API', async () => {
    const topic = 'devices/d9/commands/reboot';
    const before = await explain(viewerUser('vic'), 'publish', topic);
    expect(before).toMatchObject({ allowed: false, decidingRule: null });

    const allow = await addRule({
      effect: 'allow',
      action: 'publish',
      topic: 'devices/+/commands/+',
      role: 'viewer',
      description: 'viewers may command',
    });
    const allowed = await explain(viewerUser('vic'), 'publish', topic);
    expect(allowed.allowed).toBe(true);
    expect(allowed.decidingRule).toMatchObject({ id: allow.id, builtIn: false });

    const deny = await addRule({
      effect: 'deny',
      action: 'publish',
      topic: 'devices/d9/#',
      principal: { kind: 'user', id: 'vic' },
    });
    const denied = await explain(viewerUser('vic'), 'publish', topic);
    expect(denied.allowed).toBe(false);
    expect(denied.decidingRule).toMatchObject({
      id: deny.id,
      effect: 'deny',
      principal: { kind: 'user', id: 'vic' },
    });
    expect(denied.matchedRules.map((rule) => rule.id)).toEqual(
      expect.arrayContaining([allow.id, deny.id]),
    );
    // Other viewers keep the allow.
    expect((await explain(viewerUser('val'), 'publish', topic)).allowed).toBe(true);

    // Narrow the deny to another device: vic is allowed again.
    const patched = await call('PATCH', `/acl/rules/${deny.id}`, admin, {
      topic: 'devices/d8/#',
    });
    expect(patched.statusCode).toBe(200);
    expect((await explain(viewerUser('vic'), 'publish', topic)).decidingRule?.id).toBe(allow.id);

    expect((await call('DELETE', `/acl/rules/${allow.id}`, admin)).statusCode).toBe(204);
    expect(await explain(viewerUser('vic'), 'publish', topic)).toMatchObject({
      allowed: false,
      decidingRule: null,
    });
  });

  it('explains an invalid topic instead of failing', async () => {
    const result = await explain(deviceD1, 'publish', 'devices/+/telemetry');
    expect(result.allowed).toBe(false);
    expect(result.decidingRule).toBeNull();
    expect(result.reason).not.toBe('');
  });

  it('is for operators and admins, and validates its body', async () => {
    const body = { principal: deviceD1, action: 'publish', topic: 'devices/d1/telemetry' };
    expect((await call('POST', '/acl/explain', admin, body)).statusCode).toBe(200);
    expect((await call('POST', '/acl/explain', viewer, body)).statusCode).toBe(403);
    expect((await call('POST', '/acl/explain', undefined, body)).statusCode).toBe(401);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...body, action: 'read' }, /^body\/action: /],
      [
        { ...body, principal: { kind: 'device', id: 'd1' } },
        /^body\/principal: must have required property 'role'/,
      ],
      [{ ...body, topic: ['a'] }, /^body\/topic: must be string/],
      [{ ...body, verbose: true }, /^body: unknown parameter "verbose"/],
    ];
    for (const [payload, message] of cases) {
      const response = await call('POST', '/acl/explain', operator, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<ErrorBody>().message).toMatch(message);
    }
  });
});

describe('changing and deleting rules', () => {
  it('updates fields, replaces the subject and clears the description', async () => {
    const rule = await addRule({
      effect: 'allow',
      action: 'subscribe',
      topic: 'site/a/#',
      role: 'viewer',
      description: 'site a',
    });
    const toPrincipal = await call('PATCH', `/acl/rules/${rule.id}`, admin, {
      principal: { kind: 'device', id: 'd5' },
      description: null,
    });
    expect(toPrincipal.statusCode).toBe(200);
    expect(toPrincipal.json()).toMatchObject({
      id: rule.id,
      topic: 'site/a/#',
      role: null,
      principal: { kind: 'device', id: 'd5' },
      description: null,
      createdAt: rule.createdAt,
    });
    const toRole = await call('PATCH', `/acl/rules/${rule.id}`, admin, {
      role: 'operator',
      effect: 'deny',
    });
    expect(toRole.json()).toMatchObject({ effect: 'deny', role: 'operator', principal: null });
  });

  it('refuses an update that would make the rule invalid, keeping it as it was', async () => {
    const rule = await addRule({
      effect: 'allow',
      action: 'publish',
      topic: 'p/q',
      role: 'viewer',
    });
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ topic: 'p/#/q' }, 400, /^invalid rule: topic 'p\/#\/q'/],
      [{ role: 'admin', principal: { kind: 'user', id: 'u' } }, 400, /both role and principal/],
      [{}, 400, /^body: must NOT have fewer than 1 properties/],
      [{ id: 'other' }, 400, /^body: unknown parameter "id"/],
    ];
    for (const [payload, status, message] of cases) {
      const response = await call('PATCH', `/acl/rules/${rule.id}`, admin, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.json<ErrorBody>().message).toMatch(message);
    }
    const [row] = await api.database.db.select().from(aclRules).where(eq(aclRules.id, rule.id));
    expect(row).toMatchObject({ topic: 'p/q', role: 'viewer', principalKind: null });
  });

  it('refuses to change or delete a built-in rule with 409', async () => {
    const id = 'default:viewer:subscribe-telemetry';
    for (const response of [
      await call('PATCH', `/acl/rules/${id}`, admin, { topic: '#' }),
      await call('DELETE', `/acl/rules/${id}`, admin),
    ]) {
      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({
        code: 'TWW_CONFLICT',
        message: `rule ${id} is built in and read-only; add a deny rule to narrow it (deny wins) or an allow rule to widen it`,
      });
    }
    const list = (await call('GET', '/acl/rules', operator)).json<{ items: Rule[] }>();
    expect(list.items.find((rule) => rule.id === id)?.topic).toBe('devices/+/telemetry');
  });

  it('answers unknown rule ids with 404', async () => {
    for (const id of [
      '00000000-0000-4000-8000-000000000000',
      'default:nobody:x',
      "1'%20OR%201=1",
    ]) {
      const patch = await call('PATCH', `/acl/rules/${id}`, admin, { topic: 'x' });
      expect(patch.statusCode, id).toBe(404);
      expect(patch.json<ErrorBody>().code).toBe('TWW_NOT_FOUND');
      expect((await call('DELETE', `/acl/rules/${id}`, admin)).statusCode, id).toBe(404);
    }
  });

  it('deletes a stored rule once, and only admins may', async () => {
    const rule = await addRule({ effect: 'allow', action: 'publish', topic: 'z', role: 'viewer' });
    expect((await call('DELETE', `/acl/rules/${rule.id}`, operator)).statusCode).toBe(403);
    expect(
      (await call('PATCH', `/acl/rules/${rule.id}`, operator, { topic: 'y' })).statusCode,
    ).toBe(403);
    expect((await call('DELETE', `/acl/rules/${rule.id}`, admin)).statusCode).toBe(204);
    expect((await call('DELETE', `/acl/rules/${rule.id}`, admin)).statusCode).toBe(404);
    expect(await api.database.db.select().from(aclRules).where(eq(aclRules.id, rule.id))).toEqual(
      [],
    );
  });
});

describe('changes made by another instance', () => {
  it('reach this API without a restart: a rule written straight to the database decides explain', async () => {
    const topic = 'devices/elsewhere/telemetry';
    expect((await explain(viewerUser('remote-v'), 'subscribe', topic)).allowed).toBe(true);
    // Another API instance (or psql) adds the rule: only the NOTIFY trigger tells this one.
    await api.database.db.insert(aclRules).values({
      effect: 'deny',
      action: 'subscribe',
      topic: 'devices/elsewhere/#',
      role: 'viewer',
    });
    await expect
      .poll(async () => (await explain(viewerUser('remote-v'), 'subscribe', topic)).allowed)
      .toBe(false);
  });
});
