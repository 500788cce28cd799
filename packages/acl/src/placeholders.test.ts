import { describe, it } from 'vitest';
import { check } from '../test/decision-case.ts';
import type { Case } from '../test/decision-case.ts';
import { device, forRole, rule, user } from '../test/fixtures.ts';
import type { AclRule } from './rules.ts';

const a = device('a');
const viewer = user('viewer', 'vera');

const hostileIds = ['a/+', '+', '#', 'x/../b', '', 'a\u0000', '\ud800'];
const placeholderInjection: Case[] = hostileIds.flatMap((id): Case[] => [
  {
    name: `device id ${JSON.stringify(id)} is refused instead of expanded (publish)`,
    principal: device(id),
    action: 'publish',
    request: id === 'x/../b' ? 'devices/x/../b/telemetry' : 'devices/a/telemetry',
    allowed: false,
    reason: 'refused: identity',
  },
  {
    name: `device id ${JSON.stringify(id)} is refused instead of expanded (subscribe)`,
    principal: device(id),
    action: 'subscribe',
    request: 'devices/+/commands/#',
    allowed: false,
    reason: 'refused: identity',
  },
]);

const placeholderRules: AclRule[] = [
  rule('all-devices', 'allow', 'publish', 'devices/#', forRole('device')),
  rule('no-firmware', 'deny', 'publish', 'devices/{deviceId}/firmware', forRole('device')),
  rule('own-sensor', 'allow', 'publish', 'sensors/dev-{deviceId}', forRole('device')),
  rule('user-inbox', 'allow', 'publish', 'users/{username}/inbox', forRole('device')),
  rule('inbox', 'allow', 'subscribe', 'users/{username}/#', forRole('viewer')),
  rule('no-user-devices', 'deny', 'publish', 'devices/{username}/telemetry', forRole('device')),
];

const placeholders: Case[] = [
  {
    name: 'a placeholder deny applies to the device’s own topic',
    rules: placeholderRules,
    principal: a,
    action: 'publish',
    request: 'devices/a/firmware',
    allowed: false,
    decidedBy: 'no-firmware',
  },
  {
    name: 'a placeholder deny does not touch other devices’ topics',
    rules: placeholderRules,
    principal: a,
    action: 'publish',
    request: 'devices/b/firmware',
    allowed: true,
    decidedBy: 'all-devices',
  },
  {
    name: 'a hostile id cannot escape a placeholder deny through a rule without placeholders',
    rules: placeholderRules,
    principal: device('a/+'),
    action: 'publish',
    request: 'devices/b/telemetry',
    allowed: false,
    decidedBy: 'no-firmware',
    reason: "refused: identity 'a/+' contains wildcard characters",
  },
  {
    name: 'a placeholder inside a level matches exactly the id',
    rules: placeholderRules,
    principal: a,
    action: 'publish',
    request: 'sensors/dev-a',
    allowed: true,
    decidedBy: 'own-sensor',
  },
  {
    name: 'a placeholder inside a level is no prefix match',
    rules: placeholderRules,
    principal: a,
    action: 'publish',
    request: 'sensors/dev-ab',
    allowed: false,
  },
  {
    name: '{username} does not apply to devices, even one with a username',
    rules: placeholderRules,
    principal: { ...a, username: 'a' },
    action: 'publish',
    request: 'users/a/inbox',
    allowed: false,
  },
  {
    name: 'a deny using {username} does not apply to devices',
    rules: placeholderRules,
    principal: { ...a, username: 'a' },
    action: 'publish',
    request: 'devices/a/telemetry',
    allowed: true,
  },
  {
    name: '{username} expands to the user’s own name',
    rules: placeholderRules,
    principal: viewer,
    action: 'subscribe',
    request: 'users/vera/inbox',
    allowed: true,
    decidedBy: 'inbox',
  },
  {
    name: '{username} does not reach another user',
    rules: placeholderRules,
    principal: viewer,
    action: 'subscribe',
    request: 'users/bob/#',
    allowed: false,
  },
  {
    name: 'a user without a username is refused when a rule needs {username}',
    rules: placeholderRules,
    principal: user('viewer'),
    action: 'subscribe',
    request: 'users/user-viewer/inbox',
    allowed: false,
    reason: 'has no username',
  },
  {
    name: 'substitution is literal: an id that looks like a placeholder is just text',
    principal: device('{username}'),
    action: 'publish',
    request: 'devices/{username}/telemetry',
    allowed: true,
  },
  {
    name: 'an id that looks like a placeholder is not expanded again',
    principal: { ...device('{username}'), username: 'b' },
    action: 'publish',
    request: 'devices/b/telemetry',
    allowed: false,
  },
];

describe('compiled ACL: placeholders', () => {
  describe('placeholder injection', () => {
    it.each(placeholderInjection)('$name', check);
  });
  describe('placeholder substitution', () => {
    it.each(placeholders)('$name', check);
  });
});
