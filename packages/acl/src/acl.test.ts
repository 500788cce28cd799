import { describe, expect, it } from 'vitest';
import { check } from '../test/decision-case.ts';
import type { Case } from '../test/decision-case.ts';
import { device, forDevice, forRole, forUser, rule, user } from '../test/fixtures.ts';
import { compileAcl } from './acl.ts';
import { defaultRules } from './default-rules.ts';
import { InvalidAclRulesError } from './errors.ts';
import type { AclRule, Action } from './rules.ts';

const a = device('a');
const admin = user('admin', 'ada');
const operator = user('operator', 'otto');
const viewer = user('viewer', 'vera');

const wildcardEscalation: Case[] = [
  ...['devices/+/telemetry', 'devices/#', '#', '+/+/telemetry', '+/#', '+/a/commands/#'].map(
    (request): Case => ({
      name: `device a cannot widen its subscription to ${request}`,
      principal: a,
      action: 'subscribe',
      request,
      allowed: false,
      decidedBy: null,
    }),
  ),
  {
    name: 'device a cannot subscribe devices/a/# though two rules each allow part of it',
    principal: a,
    action: 'subscribe',
    request: 'devices/a/#',
    allowed: false,
    reason: 'no single rule allows every topic',
  },
  {
    name: 'device a receives its own commands',
    principal: a,
    action: 'subscribe',
    request: 'devices/a/commands/+',
    allowed: true,
    decidedBy: 'default:device:subscribe-commands',
  },
  {
    name: '[MQTT-4.7.1-2] devices/a/commands/# also covers devices/a/commands',
    principal: a,
    action: 'subscribe',
    request: 'devices/a/commands',
    allowed: true,
  },
  {
    name: 'device a cannot read another device’s commands',
    principal: a,
    action: 'subscribe',
    request: 'devices/b/commands/#',
    allowed: false,
  },
  {
    name: 'device a cannot publish as device b',
    principal: a,
    action: 'publish',
    request: 'devices/b/telemetry',
    allowed: false,
    reason: 'denied: no rule allows it (deny by default)',
  },
  {
    name: 'device a cannot send itself commands',
    principal: a,
    action: 'publish',
    request: 'devices/a/commands/reboot',
    allowed: false,
  },
];

const dollarTopics: Case[] = [
  {
    name: 'admin subscribes #',
    principal: admin,
    action: 'subscribe',
    request: '#',
    allowed: true,
    decidedBy: 'default:admin:subscribe-all',
  },
  {
    name: '[MQTT-4.7.2-1] admin # does not reach $SYS/#',
    principal: admin,
    action: 'subscribe',
    request: '$SYS/#',
    allowed: false,
  },
  {
    name: '[MQTT-4.7.2-1] admin # does not reach a single $SYS topic',
    principal: admin,
    action: 'subscribe',
    request: '$SYS/broker/uptime',
    allowed: false,
  },
  {
    name: 'admin # contains +/broker/uptime, which matches no $ topic',
    principal: admin,
    action: 'subscribe',
    request: '+/broker/uptime',
    allowed: true,
  },
  {
    name: '[MQTT-4.7.2-1] a rule +/# does not allow a $SYS topic',
    rules: [rule('any', 'allow', 'subscribe', '+/#', forRole('viewer'))],
    principal: viewer,
    action: 'subscribe',
    request: '$SYS/broker',
    allowed: false,
  },
  {
    name: '[MQTT-4.7.2-1] a deny # does not block an explicit $SYS allow',
    rules: [
      rule('sys', 'allow', 'subscribe', '$SYS/#', forRole('operator')),
      rule('nothing-else', 'deny', 'subscribe', '#', forRole('operator')),
    ],
    principal: operator,
    action: 'subscribe',
    request: '$SYS/broker/clients',
    allowed: true,
    decidedBy: 'sys',
  },
  {
    name: 'a deny # still blocks + subscriptions next to a $SYS allow',
    rules: [
      rule('sys', 'allow', 'subscribe', '$SYS/#', forRole('operator')),
      rule('all', 'allow', 'subscribe', '#', forRole('operator')),
      rule('nothing-else', 'deny', 'subscribe', '#', forRole('operator')),
    ],
    principal: operator,
    action: 'subscribe',
    request: '+/broker',
    allowed: false,
    decidedBy: 'nothing-else',
  },
];

const levelRules: AclRule[] = [
  rule('a-one-level', 'allow', 'publish', 'a/+', forRole('device')),
  rule('a-tree', 'allow', 'subscribe', 'a/#', forRole('device')),
];

const emptyLevelTable: [name: string, action: Action, request: string, allowed: boolean][] = [
  ['+ matches an empty trailing level', 'publish', 'a/', true],
  ['+ needs the level to exist', 'publish', 'a', false],
  ['an empty level is a level too many for a/+', 'publish', 'a//b', false],
  ['[MQTT-4.7.1-2] a/# contains its parent a', 'subscribe', 'a', true],
  ['a/# contains a trailing empty level', 'subscribe', 'a/', true],
  ['a/# contains a//', 'subscribe', 'a//', true],
  ['a/# does not contain /a', 'subscribe', '/a', false],
  ['a/# does not contain a sibling a-b', 'subscribe', 'a-b/#', false],
];
const emptyLevels = emptyLevelTable.map(([name, action, request, allowed]): Case => ({
  name,
  rules: levelRules,
  principal: a,
  action,
  request,
  allowed,
}));

const commandsDenied = rule(
  'no-commands',
  'deny',
  'subscribe',
  'devices/+/commands/#',
  forRole('operator'),
);
const denies: Case[] = [
  {
    name: 'a deny overlapping part of a subscription refuses the whole subscription',
    rules: [...defaultRules, commandsDenied],
    principal: operator,
    action: 'subscribe',
    request: 'devices/#',
    allowed: false,
    decidedBy: 'no-commands',
    reason: 'denied by rule no-commands (deny subscribe devices/+/commands/# for role operator)',
  },
  {
    name: 'a subscription that can match the deny’s parent level is refused',
    rules: [...defaultRules, commandsDenied],
    principal: operator,
    action: 'subscribe',
    request: 'devices/a/+',
    allowed: false,
  },
  {
    name: 'a subscription disjoint from the deny is still allowed',
    rules: [...defaultRules, commandsDenied],
    principal: operator,
    action: 'subscribe',
    request: 'devices/+/telemetry',
    allowed: true,
  },
  {
    name: 'a subscribe deny does not restrict publishing',
    rules: [...defaultRules, commandsDenied],
    principal: operator,
    action: 'publish',
    request: 'devices/a/commands/reboot',
    allowed: true,
  },
  {
    name: 'a role deny wins over a principal allow',
    rules: [
      rule('otto-commands', 'allow', 'publish', 'devices/+/commands/+', forUser('user-operator')),
      rule('no-reboot', 'deny', 'publish', 'devices/+/commands/reboot', forRole('operator')),
    ],
    principal: operator,
    action: 'publish',
    request: 'devices/a/commands/reboot',
    allowed: false,
    decidedBy: 'no-reboot',
  },
  {
    name: 'a principal deny wins over a role allow',
    rules: [
      ...defaultRules,
      rule('quarantine', 'deny', 'publish', 'devices/{deviceId}/#', forDevice('q')),
    ],
    principal: device('q'),
    action: 'publish',
    request: 'devices/q/telemetry',
    allowed: false,
    decidedBy: 'quarantine',
  },
  {
    name: 'a principal allow extends the role for that principal only',
    rules: [
      ...defaultRules,
      rule('gateway', 'allow', 'publish', 'devices/+/telemetry', forDevice('gw')),
    ],
    principal: device('gw'),
    action: 'publish',
    request: 'devices/a/telemetry',
    allowed: true,
    decidedBy: 'gateway',
  },
  {
    name: 'a principal rule for user a does not apply to device a',
    rules: [rule('user-a', 'allow', 'publish', 'x', forUser('a'))],
    principal: a,
    action: 'publish',
    request: 'x',
    allowed: false,
  },
];

const invalidRequestTable: [what: string, action: Action, request: string, reason: string][] = [
  [
    'a wildcard in a published topic',
    'publish',
    'devices/a/+',
    "refused: topic 'devices/a/+' contains a wildcard",
  ],
  ['an empty topic', 'publish', '', "refused: topic '' is empty"],
  ['a NUL in a topic', 'publish', 'devices/a/\u0000', 'contains a NUL character'],
  ['a lone surrogate in a topic', 'publish', 'devices/a/\ud800', 'unpaired UTF-16 surrogate'],
  ['# not last in a filter', 'subscribe', 'devices/#/x', "refused: filter 'devices/#/x'"],
  ['+ inside a level', 'subscribe', 'devices/a+', "uses '+' inside a level"],
  ['a lone surrogate in a filter', 'subscribe', 'devices/\udc00/#', 'unpaired UTF-16 surrogate'],
];
const invalidRequests = invalidRequestTable.map(([what, action, request, reason]): Case => ({
  name: `refuses ${what}`,
  rules: [rule('all', 'allow', action, '#', forRole('device'))],
  principal: a,
  action,
  request,
  allowed: false,
  decidedBy: null,
  reason,
}));

describe('compiled ACL: adversarial cases', () => {
  describe('wildcard escalation', () => {
    it.each(wildcardEscalation)('$name', check);
  });
  describe('$ topics', () => {
    it.each(dollarTopics)('$name', check);
  });
  describe('empty levels and trailing separators', () => {
    it.each(emptyLevels)('$name', check);
  });
  describe('deny rules and principal rules', () => {
    it.each(denies)('$name', check);
  });
  describe('invalid requests', () => {
    it.each(invalidRequests)('$name', check);
  });
});

describe('compileAcl', () => {
  it('denies everything when there are no rules', () => {
    const acl = compileAcl([]);
    expect(acl.authorizePublish(a, 'devices/a/telemetry')).toBe(false);
    expect(acl.authorizeSubscribe(admin, '#')).toBe(false);
  });

  it('rejects the whole rule set with every problem when a rule is invalid', () => {
    const rules = [
      rule('ok', 'allow', 'publish', 'a', forRole('device')),
      rule('bad-filter', 'allow', 'subscribe', 'devices/#/x', forRole('device')),
      rule('ok', 'deny', 'publish', 'b', forRole('device')),
    ];
    expect(() => compileAcl(rules)).toThrow(InvalidAclRulesError);
    try {
      compileAcl(rules);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidAclRulesError);
      const invalid = error as InvalidAclRulesError;
      expect(invalid.code).toBe('TWW_ACL_INVALID_RULES');
      expect(invalid.rules.map((entry) => entry.ruleId)).toEqual(['bad-filter', 'ok']);
      expect(invalid.message).toContain("rule bad-filter: topic 'devices/#/x'");
      expect(invalid.message).toContain('rule ids must be unique');
    }
  });

  it('decides topics of 30,000 levels and rules of 256 levels without exhausting the stack', () => {
    const deep = Array(256).fill('a').join('/');
    const acl = compileAcl([
      rule('deep', 'allow', 'publish', deep, forRole('device')),
      rule('tree', 'allow', 'subscribe', 'a/#', forRole('device')),
      rule('no-b', 'deny', 'subscribe', `${'a/'.repeat(255)}b`, forRole('device')),
    ]);
    const huge = Array(30_000).fill('a').join('/');
    expect(acl.authorizePublish(a, deep)).toBe(true);
    expect(acl.authorizePublish(a, huge)).toBe(false);
    expect(acl.authorizeSubscribe(a, huge)).toBe(true);
    expect(acl.authorizeSubscribe(a, `${huge}/+`)).toBe(true);
    expect(acl.authorizeSubscribe(a, 'a/+/#')).toBe(false);
    expect(acl.explain(a, 'subscribe', 'a/+/#').decidingRule?.id).toBe('no-b');
  });

  it('keeps deciding by the rules it compiled even if the caller mutates them later', () => {
    const mutable = rule(
      'mine',
      'allow',
      'publish',
      'devices/{deviceId}/telemetry',
      forRole('device'),
    );
    const acl = compileAcl([mutable]);
    mutable.topic = '#';
    mutable.effect = 'deny';
    expect(acl.authorizePublish(a, 'devices/a/telemetry')).toBe(true);
    expect(acl.authorizePublish(a, 'other')).toBe(false);
    expect(acl.rules[0]?.topic).toBe('devices/{deviceId}/telemetry');
    expect(Object.isFrozen(acl.rules)).toBe(true);
    expect(Object.isFrozen(acl.rules[0])).toBe(true);
  });
});

describe('subscription containment is per rule', () => {
  it('refuses a filter covered only by the union of two allow rules (documented choice)', () => {
    const acl = compileAcl([
      rule('parent', 'allow', 'subscribe', 'a', forRole('device')),
      rule('children', 'allow', 'subscribe', 'a/+/#', forRole('device')),
    ]);
    expect(acl.authorizeSubscribe(a, 'a')).toBe(true);
    expect(acl.authorizeSubscribe(a, 'a/x/y')).toBe(true);
    expect(acl.authorizeSubscribe(a, 'a/#')).toBe(false);
  });
});
