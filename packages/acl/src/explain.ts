import type { Explanation } from './acl.ts';
import { refusesIdentity } from './decide.ts';
import {
  bindPrincipal,
  identityProblem,
  identityValue,
  isBound,
  PLACEHOLDER_BIT,
  PLACEHOLDERS,
  resolveLevels,
} from './placeholders.ts';
import type { Bindings } from './placeholders.ts';
import { applicableRules } from './rule-index.ts';
import type { RuleIndex } from './rule-index.ts';
import type { CompiledRule } from './rule-trie.ts';
import { describeRule } from './rules.ts';
import type { AclRule, Action, Principal } from './rules.ts';
import { containsLevels, matchLevels, overlapLevels } from './topic-filter.ts';
import type { Levels } from './topic-filter.ts';
import { quote, topicFilterProblem, topicNameProblem } from './topic-text.ts';

type Relation = 'decides' | 'partial' | 'none';

/**
 * How a rule's filter relates to the request: publish needs a match; a subscription is allowed
 * only by a filter containing it and denied by any filter overlapping it.
 */
function relate(action: Action, rule: AclRule, filter: Levels, request: Levels): Relation {
  if (action === 'publish') return matchLevels(filter, request) ? 'decides' : 'none';
  if (rule.effect === 'deny') return overlapLevels(filter, request) ? 'decides' : 'none';
  if (containsLevels(filter, request)) return 'decides';
  return overlapLevels(filter, request) ? 'partial' : 'none';
}

function identityRefusal(principal: Principal, refusing: CompiledRule, bindings: Bindings): string {
  const name =
    PLACEHOLDERS.find(
      (candidate) => (refusing.mask & bindings.unusable & PLACEHOLDER_BIT[candidate]) !== 0,
    ) ?? 'deviceId';
  const value = identityValue(principal, name);
  const uses = `rule ${refusing.rule.id} uses {${name}}`;
  if (value === undefined) {
    return `refused: ${principal.kind} ${quote(principal.id)} has no username and ${uses}`;
  }
  return `refused: identity ${quote(value)} ${identityProblem(value) ?? 'is unusable'} (${uses})`;
}

function denial(partial: readonly AclRule[], request: string): string {
  if (partial.length === 0) return 'denied: no rule allows it (deny by default)';
  const ids = partial.map((rule) => rule.id).join(', ');
  const which = partial.length === 1 ? `rule ${ids} allows` : `rules ${ids} allow`;
  return `denied: no single rule allows every topic ${quote(request)} can match (${which} only part of it; deny by default)`;
}

/**
 * The same decision as the compiled evaluator, reached by scanning the principal's rules so that
 * every matching rule can be listed for the admin UI.
 */
export function explainDecision(
  index: RuleIndex,
  principal: Principal,
  action: Action,
  request: string,
): Explanation {
  const problem = action === 'publish' ? topicNameProblem(request) : topicFilterProblem(request);
  if (problem !== null) {
    const what = action === 'publish' ? 'topic' : 'filter';
    const reason = `refused: ${what} ${quote(request)} ${problem}`;
    return { allowed: false, decidingRule: null, reason, matchedRules: [] };
  }
  const candidates = applicableRules(index, principal, action);
  const bindings = bindPrincipal(principal);
  const refusing = candidates.find((candidate) => refusesIdentity(candidate.mask, bindings));
  if (refusing !== undefined) {
    const reason = identityRefusal(principal, refusing, bindings);
    return { allowed: false, decidingRule: refusing.rule, reason, matchedRules: [] };
  }
  const levels = request.split('/');
  const matchedRules: AclRule[] = [];
  const partial: AclRule[] = [];
  for (const candidate of candidates) {
    if (!isBound(candidate.mask, bindings)) continue;
    const filter = resolveLevels(candidate.levels, bindings);
    const relation = relate(action, candidate.rule, filter, levels);
    if (relation === 'decides') matchedRules.push(candidate.rule);
    else if (relation === 'partial') partial.push(candidate.rule);
  }
  const deny = matchedRules.find((rule) => rule.effect === 'deny');
  if (deny !== undefined) {
    const reason = `denied by rule ${deny.id} (${describeRule(deny)})`;
    return { allowed: false, decidingRule: deny, reason, matchedRules };
  }
  const allow = matchedRules.find((rule) => rule.effect === 'allow');
  if (allow !== undefined) {
    const reason = `allowed by rule ${allow.id} (${describeRule(allow)})`;
    return { allowed: true, decidingRule: allow, reason, matchedRules };
  }
  return { allowed: false, decidingRule: null, reason: denial(partial, request), matchedRules };
}
