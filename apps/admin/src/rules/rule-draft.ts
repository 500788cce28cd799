import { validateRule } from '@twinwire/acl/rules';
import type { PrincipalKind, RuleCore, RuleDraft, RuleRole } from '../api/rules-api.ts';

export const RULE_ROLES: readonly RuleRole[] = ['viewer', 'operator', 'admin', 'device', 'service'];
export const PRINCIPAL_KINDS: readonly PrincipalKind[] = ['user', 'device', 'service'];

/** The rule form's fields, all text, as the inputs hold them. */
export interface RuleFields {
  effect: 'allow' | 'deny';
  action: 'publish' | 'subscribe';
  topic: string;
  subject: 'role' | 'principal';
  role: RuleRole;
  principalKind: PrincipalKind;
  principalId: string;
  description: string;
}

export const emptyRuleFields: RuleFields = {
  effect: 'deny',
  action: 'subscribe',
  topic: '',
  subject: 'role',
  role: 'operator',
  principalKind: 'user',
  principalId: '',
  description: '',
};

export function fieldsOf(rule: RuleCore): RuleFields {
  return {
    effect: rule.effect,
    action: rule.action,
    topic: rule.topic,
    subject: rule.principal ? 'principal' : 'role',
    role: rule.role ?? 'operator',
    principalKind: rule.principal?.kind ?? 'user',
    principalId: rule.principal?.id ?? '',
    description: rule.description ?? '',
  };
}

/** The API body: exactly one of role and principal, as the API requires. */
export function draftOf(fields: RuleFields, editing: boolean): RuleDraft {
  const description = fields.description.trim();
  return {
    effect: fields.effect,
    action: fields.action,
    topic: fields.topic.trim(),
    ...(fields.subject === 'role'
      ? { role: fields.role }
      : { principal: { kind: fields.principalKind, id: fields.principalId.trim() } }),
    // Editing: an emptied description is cleared; creating: simply left out.
    ...(description ? { description } : editing ? { description: null } : {}),
  };
}

export function subjectLabel(rule: Pick<RuleCore, 'role' | 'principal'>): string {
  if (rule.principal) return `${rule.principal.kind} ${rule.principal.id}`;
  return `role ${rule.role ?? '?'}`;
}

/**
 * Why the API would refuse this topic filter, said in the browser with the access-rule
 * package's own check (`+`/`#` placement [MQTT-4.7.1-2], [MQTT-4.7.1-3], placeholders,
 * length); undefined when it is valid or still empty.
 */
export function topicProblem(topic: string): string | undefined {
  if (topic.trim() === '') return undefined;
  const [problem] = validateRule({
    id: 'draft',
    effect: 'allow',
    action: 'subscribe',
    topic: topic.trim(),
    subject: { role: 'viewer' },
  });
  return problem;
}
