import { parseTopicTemplate, PLACEHOLDERS } from './placeholders.ts';
import { quote, topicFilterProblem } from './topic-text.ts';

export const ACTIONS = ['publish', 'subscribe'] as const;
export const ROLES = ['device', 'viewer', 'operator', 'admin', 'service'] as const;
export const EFFECTS = ['allow', 'deny'] as const;
export const PRINCIPAL_KINDS = ['device', 'user', 'service'] as const;

export type Action = (typeof ACTIONS)[number];
export type Role = (typeof ROLES)[number];
export type Effect = (typeof EFFECTS)[number];
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Who is asking: an authenticated device, admin-UI user or service. */
export interface Principal {
  kind: PrincipalKind;
  id: string;
  role: Role;
  username?: string;
}

/** A rule is for everyone with a role, or for one principal. */
export type RuleSubject = { role: Role } | { principal: { kind: PrincipalKind; id: string } };

/**
 * One access rule. `topic` is a topic filter that may contain the placeholders `{deviceId}` and
 * `{username}`, as a whole level or inside one (`devices/{deviceId}/telemetry`).
 */
export interface AclRule {
  id: string;
  effect: Effect;
  action: Action;
  topic: string;
  subject: RuleSubject;
  description?: string;
}

/** Bounds the depth of the evaluator's trie walks, which recurse once per level. */
export const MAX_RULE_LEVELS = 256;

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(values: readonly string[]): string {
  return values.map((value) => `'${value}'`).join(', ');
}

function topicProblems(topic: unknown): string[] {
  if (typeof topic !== 'string') return ['topic must be a string'];
  if (topic === '')
    return ['topic is empty; use a topic filter such as devices/{deviceId}/telemetry'];
  const levels = topic.split('/').length;
  if (levels > MAX_RULE_LEVELS) {
    return [`topic has ${levels} levels; a rule topic may have at most ${MAX_RULE_LEVELS}`];
  }
  const template = parseTopicTemplate(topic);
  if (!template.ok) return [`topic ${quote(topic)} ${template.problem}`];
  // A usable identity never contains '+', '#', '/' or NUL, so any stand-in value validates the
  // filter exactly as every real substitution will.
  const sample = PLACEHOLDERS.reduce((text, name) => text.replaceAll(`{${name}}`, 'x'), topic);
  const problem = topicFilterProblem(sample);
  return problem === null
    ? []
    : [`topic ${quote(topic)} is not a valid topic filter: it ${problem}`];
}

function subjectProblems(subject: unknown): string[] {
  if (!isRecord(subject)) return ['subject must be { role } or { principal: { kind, id } }'];
  const hasRole = 'role' in subject;
  const hasPrincipal = 'principal' in subject;
  if (hasRole === hasPrincipal) {
    return [
      hasRole
        ? 'subject has both role and principal; a rule is for a role or for one principal'
        : 'subject has neither role nor principal; give { role } or { principal: { kind, id } }',
    ];
  }
  if (hasRole) {
    return isOneOf(ROLES, subject.role) ? [] : [`subject.role must be one of ${list(ROLES)}`];
  }
  const principal = subject.principal;
  if (!isRecord(principal)) return ['subject.principal must be { kind, id }'];
  const problems: string[] = [];
  if (!isOneOf(PRINCIPAL_KINDS, principal.kind)) {
    problems.push(`subject.principal.kind must be one of ${list(PRINCIPAL_KINDS)}`);
  }
  if (typeof principal.id !== 'string' || principal.id === '') {
    problems.push('subject.principal.id must be a non-empty string');
  }
  return problems;
}

/**
 * Every reason `rule` cannot be used, each a sentence an operator can act on; empty when valid.
 * Accepts untrusted input (a request body, a database row).
 */
export function validateRule(rule: unknown): string[] {
  if (!isRecord(rule)) return ['rule must be an object'];
  const problems: string[] = [];
  if (typeof rule.id !== 'string' || rule.id === '') problems.push('id must be a non-empty string');
  if (!isOneOf(EFFECTS, rule.effect)) problems.push(`effect must be one of ${list(EFFECTS)}`);
  if (!isOneOf(ACTIONS, rule.action)) problems.push(`action must be one of ${list(ACTIONS)}`);
  problems.push(...topicProblems(rule.topic), ...subjectProblems(rule.subject));
  if (rule.description !== undefined && typeof rule.description !== 'string') {
    problems.push('description must be a string when given');
  }
  return problems;
}

/** "for role viewer" or "for device 'dev-1'". */
export function describeSubject(subject: RuleSubject): string {
  if ('role' in subject) return `for role ${subject.role}`;
  return `for ${subject.principal.kind} ${quote(subject.principal.id)}`;
}

/** "deny subscribe devices/+/commands/# for role viewer". */
export function describeRule(rule: AclRule): string {
  return `${rule.effect} ${rule.action} ${rule.topic} ${describeSubject(rule.subject)}`;
}
