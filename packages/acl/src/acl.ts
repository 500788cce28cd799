import { decide } from './decide.ts';
import { InvalidAclRulesError } from './errors.ts';
import type { RuleProblems } from './errors.ts';
import { explainDecision } from './explain.ts';
import { buildRuleIndex, ownRules, roleRules } from './rule-index.ts';
import { validateRule } from './rules.ts';
import { parseSharedFilter } from './shared-subscription.ts';
import type { AclRule, Action, Principal, RuleSubject } from './rules.ts';
import { withoutEmptyTopic } from './topic-filter.ts';
import { quote, splitTopicName, topicFilterProblem } from './topic-text.ts';
import { someRuleCovers, someRuleOverlaps } from './trie-walk.ts';

/** Why a request was allowed or denied, for the admin UI and logs. */
export interface Explanation {
  allowed: boolean;
  /** The deny rule that won, the first allow rule that allowed, the rule whose placeholder could
   * not be filled safely, or null (deny by default, invalid topic). */
  decidingRule: AclRule | null;
  /** One sentence an operator understands, e.g. "denied by rule r7 (deny subscribe … for role viewer)". */
  reason: string;
  /** Every applicable rule that matched (publish), contains (allow subscribe) or overlaps (deny
   * subscribe) the request, in rule-list order. */
  matchedRules: AclRule[];
}

/** The decisions never use `this`, so they can be passed around as plain functions. */
export interface Acl {
  /** May the principal publish to this topic name? */
  readonly authorizePublish: (principal: Principal, topic: string) => boolean;
  /**
   * May the principal subscribe to this filter? Only if one allow rule contains every topic the
   * filter can match and no deny rule matches any of them. Passing a topic name answers whether
   * a message on that topic may be delivered to the principal.
   */
  readonly authorizeSubscribe: (principal: Principal, filter: string) => boolean;
  readonly explain: (principal: Principal, action: Action, topicOrFilter: string) => Explanation;
  readonly rules: readonly AclRule[];
}

function snapshotSubject(subject: RuleSubject): RuleSubject {
  if ('role' in subject) return Object.freeze({ role: subject.role });
  const { kind, id } = subject.principal;
  return Object.freeze({ principal: Object.freeze({ kind, id }) });
}

/** A frozen copy, so later changes to the caller's objects cannot desynchronise the index. */
function snapshotRule(rule: AclRule): AclRule {
  const { id, effect, action, topic, description } = rule;
  const subject = snapshotSubject(rule.subject);
  return Object.freeze(
    description === undefined
      ? { id, effect, action, topic, subject }
      : { id, effect, action, topic, subject, description },
  );
}

function findProblems(rules: readonly AclRule[]): RuleProblems[] {
  const seen = new Set<string>();
  const found: RuleProblems[] = [];
  rules.forEach((rule, index) => {
    const problems = validateRule(rule);
    const ruleId = typeof rule.id === 'string' && rule.id !== '' ? rule.id : undefined;
    if (ruleId !== undefined && seen.has(ruleId)) {
      problems.push(`id ${ruleId} is used by an earlier rule; rule ids must be unique`);
    }
    if (ruleId !== undefined) seen.add(ruleId);
    if (problems.length > 0) found.push({ index, ruleId, problems });
  });
  return found;
}

/**
 * Compiles rules into an evaluator: rules are indexed by role and by principal, and each
 * (subject, action, effect) becomes a trie of pre-split filter levels.
 * @throws InvalidAclRulesError when any rule is invalid or two rules share an id.
 */
export function compileAcl(rules: readonly AclRule[]): Acl {
  const problems = findProblems(rules);
  if (problems.length > 0) throw new InvalidAclRulesError(problems);
  const snapshot = Object.freeze(rules.map(snapshotRule));
  const index = buildRuleIndex(snapshot);

  const subscribe = (principal: Principal, filter: string): boolean => {
    if (topicFilterProblem(filter) !== null) return false;
    return decide(
      roleRules(index, principal)?.subscribe,
      ownRules(index, principal)?.subscribe,
      principal,
      withoutEmptyTopic(filter.split('/')),
      someRuleOverlaps,
      someRuleCovers,
    );
  };
  /**
   * A shared subscription is decided on its whole filter first, so rules may name groups
   * (`allow subscribe $share/analytics/devices/#`, `deny subscribe $share/+/devices/#`); a deny
   * there wins. Without such a rule it is decided on the filter inside `$share/{group}/`: who
   * may subscribe to `devices/#` may share it in any group. Not on the hot path (SUBSCRIBE, and
   * once per topic per member), so the explaining scan decides.
   */
  const explainShared = (principal: Principal, whole: string, inner: string): Explanation => {
    const byGroup = explainDecision(index, principal, 'subscribe', whole);
    if (byGroup.allowed || byGroup.decidingRule?.effect === 'deny') return byGroup;
    const byFilter = explainDecision(index, principal, 'subscribe', inner);
    return {
      ...byFilter,
      reason: `shared subscription decided on ${quote(inner)}: ${byFilter.reason}`,
    };
  };

  return {
    rules: snapshot,
    authorizePublish: (principal, topic) => {
      const levels = splitTopicName(topic);
      if (levels === null) return false;
      return decide(
        roleRules(index, principal)?.publish,
        ownRules(index, principal)?.publish,
        principal,
        levels,
        someRuleCovers,
        someRuleCovers,
      );
    },
    authorizeSubscribe: (principal, filter) => {
      const shared = parseSharedFilter(filter);
      if (shared === null) return subscribe(principal, filter);
      if (shared === 'invalid') return false;
      return explainShared(principal, filter, shared.filter).allowed;
    },
    explain: (principal, action, topicOrFilter) => {
      const shared = action === 'subscribe' ? parseSharedFilter(topicOrFilter) : null;
      if (shared === null) return explainDecision(index, principal, action, topicOrFilter);
      if (shared === 'invalid') {
        const reason = `refused: filter ${quote(topicOrFilter)} is not a shared subscription ($share/{group}/{filter}, a group name without + or #)`;
        return { allowed: false, decidingRule: null, reason, matchedRules: [] };
      }
      return explainShared(principal, topicOrFilter, shared.filter);
    },
  };
}
