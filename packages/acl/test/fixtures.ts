import type { AclRule, Action, Effect, Principal, Role, RuleSubject } from '../src/rules.ts';

export function rule(
  id: string,
  effect: Effect,
  action: Action,
  topic: string,
  subject: RuleSubject,
): AclRule {
  return { id, effect, action, topic, subject };
}

export const forRole = (role: Role): RuleSubject => ({ role });

export const forDevice = (id: string): RuleSubject => ({ principal: { kind: 'device', id } });

export const forUser = (id: string): RuleSubject => ({ principal: { kind: 'user', id } });

export const device = (id: string): Principal => ({ kind: 'device', id, role: 'device' });

export const user = (role: Role, username?: string): Principal =>
  username === undefined
    ? { kind: 'user', id: `user-${role}`, role }
    : { kind: 'user', id: `user-${role}`, role, username };

export const apiService: Principal = {
  kind: 'service',
  id: 'api',
  role: 'service',
  username: 'api',
};
