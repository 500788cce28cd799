import { describe, expect, it } from 'vitest';
import { apiService, device, user } from '../test/fixtures.ts';
import { compileAcl } from './acl.ts';
import { defaultRules } from './default-rules.ts';
import type { Action, Principal } from './rules.ts';
import { ROLES, validateRule } from './rules.ts';

const acl = compileAcl(defaultRules);

type Row = [action: Action, request: string, allowed: boolean];

const expectations: [who: string, principal: Principal, rows: Row[]][] = [
  [
    'device d1',
    device('d1'),
    [
      ['publish', 'devices/d1/telemetry', true],
      ['publish', 'devices/d1/status', true],
      ['publish', 'devices/d1/commands/reboot/ack', true],
      ['subscribe', 'devices/d1/commands/#', true],
      ['subscribe', 'devices/d1/commands/reboot', true],
      ['subscribe', 'devices/d1/errors', true],
      ['publish', 'devices/d2/telemetry', false],
      ['publish', 'devices/d1/commands/reboot', false],
      ['publish', 'devices/d1/errors', false],
      ['subscribe', 'devices/d1/telemetry', false],
      ['subscribe', 'devices/d2/commands/#', false],
      ['subscribe', 'devices/+/errors', false],
    ],
  ],
  [
    'viewer',
    user('viewer', 'vera'),
    [
      ['subscribe', 'devices/+/telemetry', true],
      ['subscribe', 'devices/d1/status', true],
      ['subscribe', 'devices/#', false],
      ['subscribe', 'devices/+/commands/#', false],
      ['publish', 'devices/d1/commands/reboot', false],
      ['publish', 'devices/d1/telemetry', false],
    ],
  ],
  [
    'operator',
    user('operator', 'otto'),
    [
      ['subscribe', 'devices/+/telemetry', true],
      ['subscribe', 'devices/#', true],
      ['subscribe', 'devices/d1/errors', true],
      ['publish', 'devices/d1/commands/reboot', true],
      ['publish', 'devices/d1/commands/reboot/ack', false],
      ['publish', 'devices/d1/telemetry', false],
      ['subscribe', '#', false],
    ],
  ],
  [
    'admin',
    user('admin', 'ada'),
    [
      ['subscribe', '#', true],
      ['subscribe', 'devices/d1/commands/+/ack', true],
      ['publish', 'devices/d1/commands/reboot', true],
      ['subscribe', '$SYS/#', false],
      ['publish', 'devices/d1/telemetry', false],
    ],
  ],
  [
    'service',
    apiService,
    [
      ['publish', 'devices/d1/telemetry', true],
      ['publish', 'devices/d1/errors', true],
      ['publish', 'devices/d1/commands/reboot', true],
      ['subscribe', 'devices/#', true],
      ['subscribe', '#', false],
      ['publish', 'other/topic', false],
    ],
  ],
];

describe('defaultRules', () => {
  it('are all valid, with unique ids of the form default:<role>:<action>-<name>', () => {
    expect(defaultRules.flatMap((rule) => validateRule(rule))).toEqual([]);
    const ids = defaultRules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^default:[a-z]+:(publish|subscribe)-[a-z-]+$/);
  });

  it('give every role at least one rule', () => {
    const roles = new Set(
      defaultRules.map((rule) => ('role' in rule.subject ? rule.subject.role : null)),
    );
    expect([...roles].sort()).toEqual([...ROLES].sort());
  });

  for (const [who, principal, rows] of expectations) {
    describe(who, () => {
      it.each(rows)(`%s %s → %s`, (action, request, allowed) => {
        const decision =
          action === 'publish'
            ? acl.authorizePublish(principal, request)
            : acl.authorizeSubscribe(principal, request);
        expect(decision).toBe(allowed);
      });
    });
  }
});

describe('defaultRules immutability', () => {
  it('cannot be changed by a package that imports them', () => {
    expect(Object.isFrozen(defaultRules)).toBe(true);
    for (const rule of defaultRules) {
      expect(Object.isFrozen(rule)).toBe(true);
      expect(Object.isFrozen(rule.subject)).toBe(true);
    }
  });
});
