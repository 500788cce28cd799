import { parseTopicTemplate } from './placeholders.ts';
import { createNode, insertRule } from './rule-trie.ts';
import type { CompiledRule, TrieNode } from './rule-trie.ts';
import type { AclRule, Action, Principal, PrincipalKind, Role } from './rules.ts';
import { withoutEmptyTopic } from './topic-filter.ts';

/** The rules of one subject for one action. */
export interface ActionRules {
  readonly allow: TrieNode;
  readonly deny: TrieNode;
  /** In rule-list order, for explanations. */
  readonly rules: CompiledRule[];
  /** Bit `1 << mask` for every placeholder mask used by these rules. */
  masks: number;
}

export type SubjectRules = Readonly<Record<Action, ActionRules>>;

export interface RuleIndex {
  readonly byRole: Map<Role, SubjectRules>;
  readonly byPrincipal: Map<PrincipalKind, Map<string, SubjectRules>>;
}

function createActionRules(): ActionRules {
  return { allow: createNode(), deny: createNode(), rules: [], masks: 0 };
}

function createSubjectRules(): SubjectRules {
  return { publish: createActionRules(), subscribe: createActionRules() };
}

function subjectRulesFor(index: RuleIndex, rule: AclRule): SubjectRules {
  const { subject } = rule;
  if ('role' in subject) {
    let rules = index.byRole.get(subject.role);
    if (rules === undefined) {
      rules = createSubjectRules();
      index.byRole.set(subject.role, rules);
    }
    return rules;
  }
  const { kind, id } = subject.principal;
  let byId = index.byPrincipal.get(kind);
  if (byId === undefined) {
    byId = new Map();
    index.byPrincipal.set(kind, byId);
  }
  let rules = byId.get(id);
  if (rules === undefined) {
    rules = createSubjectRules();
    byId.set(id, rules);
  }
  return rules;
}

/** Indexes validated rules by subject and action, each into an allow trie and a deny trie. */
export function buildRuleIndex(rules: readonly AclRule[]): RuleIndex {
  const index: RuleIndex = { byRole: new Map(), byPrincipal: new Map() };
  rules.forEach((rule, order) => {
    const template = parseTopicTemplate(rule.topic);
    if (!template.ok) throw new Error(`rule ${rule.id}: topic ${template.problem}`);
    const levels = withoutEmptyTopic(template.levels);
    const compiled: CompiledRule = { rule, order, levels, mask: template.mask };
    const target = subjectRulesFor(index, rule)[rule.action];
    target.rules.push(compiled);
    target.masks |= 1 << compiled.mask;
    insertRule(rule.effect === 'allow' ? target.allow : target.deny, compiled);
  });
  return index;
}

export function roleRules(index: RuleIndex, principal: Principal): SubjectRules | undefined {
  return index.byRole.get(principal.role);
}

export function ownRules(index: RuleIndex, principal: Principal): SubjectRules | undefined {
  return index.byPrincipal.get(principal.kind)?.get(principal.id);
}

/** The rules whose subject is the principal or its role, in rule-list order. */
export function applicableRules(
  index: RuleIndex,
  principal: Principal,
  action: Action,
): CompiledRule[] {
  const fromRole = roleRules(index, principal)?.[action].rules ?? [];
  const fromPrincipal = ownRules(index, principal)?.[action].rules ?? [];
  return [...fromRole, ...fromPrincipal].sort((a, b) => a.order - b.order);
}
