import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Acl, Explanation } from './acl.ts';
import { describeRule, validateRule } from './rules.ts';
import type {
  AclRule,
  Action,
  Effect,
  Principal,
  PrincipalKind,
  Role,
  RuleSubject,
} from './rules.ts';

const valid: AclRule = {
  id: 'r1',
  effect: 'allow',
  action: 'publish',
  topic: 'devices/{deviceId}/telemetry',
  subject: { role: 'device' },
};

describe('validateRule', () => {
  it('accepts a valid rule with placeholders as whole and partial levels', () => {
    expect(validateRule(valid)).toEqual([]);
    expect(validateRule({ ...valid, topic: 'sites/{username}-home/dev-{deviceId}/#' })).toEqual([]);
    expect(
      validateRule({ ...valid, subject: { principal: { kind: 'device', id: 'd1' } } }),
    ).toEqual([]);
  });

  it.each([
    ['an empty topic', { ...valid, topic: '' }, 'topic is empty'],
    [
      '# not last',
      { ...valid, topic: 'devices/#/x' },
      "uses '#' other than as the whole last level",
    ],
    ['+ inside a level', { ...valid, topic: 'devices/a+' }, "uses '+' inside a level"],
    [
      'a placeholder glued to #',
      { ...valid, topic: 'devices/{deviceId}#' },
      'not a valid topic filter',
    ],
    [
      'an unknown placeholder',
      { ...valid, topic: 'devices/{deviceid}/x' },
      "unknown placeholder '{deviceid}'",
    ],
    [
      'a stray brace',
      { ...valid, topic: 'devices/{deviceId/x' },
      "uses '{' or '}' outside a placeholder",
    ],
    [
      'both subjects',
      { ...valid, subject: { role: 'device', principal: { kind: 'device', id: 'a' } } },
      'both role and principal',
    ],
    ['neither subject', { ...valid, subject: {} }, 'neither role nor principal'],
    ['an unknown role', { ...valid, subject: { role: 'root' } }, 'subject.role must be one of'],
    [
      'an empty principal id',
      { ...valid, subject: { principal: { kind: 'device', id: '' } } },
      'subject.principal.id',
    ],
    [
      'an unknown principal kind',
      { ...valid, subject: { principal: { kind: 'robot', id: 'a' } } },
      'subject.principal.kind',
    ],
    ['an unknown effect', { ...valid, effect: 'maybe' }, 'effect must be one of'],
    ['an unknown action', { ...valid, action: 'connect' }, 'action must be one of'],
    ['an empty id', { ...valid, id: '' }, 'id must be a non-empty string'],
    ['a non-string topic', { ...valid, topic: 42 }, 'topic must be a string'],
    ['a non-string description', { ...valid, description: 1 }, 'description must be a string'],
    ['too many levels', { ...valid, topic: 'a/'.repeat(256) + 'a' }, 'at most 256'],
  ])('reports %s', (_name, rule, problem) => {
    const problems = validateRule(rule);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('accepts a topic of exactly the maximum depth', () => {
    expect(validateRule({ ...valid, topic: Array(256).fill('a').join('/') })).toEqual([]);
  });

  it('reports something that is not an object at all', () => {
    expect(validateRule(null)).toEqual(['rule must be an object']);
    expect(validateRule('rule')).toEqual(['rule must be an object']);
  });

  it('reports every problem of a rule, not only the first', () => {
    expect(validateRule({ id: '', effect: 'x', action: 'y', topic: '', subject: {} })).toHaveLength(
      5,
    );
  });
});

describe('describeRule', () => {
  it('says what the rule does in one phrase', () => {
    expect(describeRule(valid)).toBe('allow publish devices/{deviceId}/telemetry for role device');
  });
});

describe('public types', () => {
  it('keep the contract other packages code against', () => {
    expectTypeOf<Action>().toEqualTypeOf<'publish' | 'subscribe'>();
    expectTypeOf<Effect>().toEqualTypeOf<'allow' | 'deny'>();
    expectTypeOf<Role>().toEqualTypeOf<'device' | 'viewer' | 'operator' | 'admin' | 'service'>();
    expectTypeOf<PrincipalKind>().toEqualTypeOf<'device' | 'user' | 'service'>();
    expectTypeOf<Principal>().toEqualTypeOf<{
      kind: PrincipalKind;
      id: string;
      role: Role;
      username?: string;
    }>();
    expectTypeOf<RuleSubject>().toEqualTypeOf<
      { role: Role } | { principal: { kind: PrincipalKind; id: string } }
    >();
    expectTypeOf<AclRule['topic']>().toEqualTypeOf<string>();
    expectTypeOf<Acl['authorizePublish']>().toEqualTypeOf<
      (principal: Principal, topic: string) => boolean
    >();
    expectTypeOf<Acl['explain']>().returns.toEqualTypeOf<Explanation>();
    expectTypeOf<Explanation['decidingRule']>().toEqualTypeOf<AclRule | null>();
    expectTypeOf(validateRule).parameter(0).toBeUnknown();
    expectTypeOf(validateRule).returns.toEqualTypeOf<string[]>();
  });

  it('reject a rule subject that is neither a role nor a principal', () => {
    // @ts-expect-error a subject needs a role or a principal
    const subject: RuleSubject = { kind: 'device', id: 'a' };
    expect(validateRule({ ...valid, subject })).toHaveLength(1);
  });
});
