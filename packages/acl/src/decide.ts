import { bindPrincipal, isBound, NO_BINDINGS } from './placeholders.ts';
import type { Bindings } from './placeholders.ts';
import type { ActionRules } from './rule-index.ts';
import type { TrieNode } from './rule-trie.ts';
import type { Principal } from './rules.ts';
import type { Levels } from './topic-filter.ts';

export type TrieWalk = (node: TrieNode, levels: Levels, i: number, bindings: Bindings) => boolean;

/**
 * True when a rule with placeholder bits `mask` applies to the principal (all its placeholders
 * are bound) but one of its identity values is unusable, so no substitution is safe.
 */
export function refusesIdentity(mask: number, bindings: Bindings): boolean {
  return mask !== 0 && isBound(mask, bindings) && (mask & bindings.unusable) !== 0;
}

function refusesAny(masks: number, bindings: Bindings): boolean {
  for (let mask = 1; mask < 4; mask++) {
    if ((masks & (1 << mask)) !== 0 && refusesIdentity(mask, bindings)) return true;
  }
  return false;
}

function someRule(
  root: TrieNode | undefined,
  walk: TrieWalk,
  levels: Levels,
  bindings: Bindings,
): boolean {
  // An empty trie has no rule below it: skip the walk.
  return root !== undefined && root.subtreeMasks !== 0 && walk(root, levels, 0, bindings);
}

/**
 * Deny by default; any applicable deny rule wins over every allow rule. A hostile identity (a
 * device id such as `a/+`) must never turn a deny rule into one that no longer matches, so when
 * any applicable rule would substitute an unusable identity the whole request is refused.
 */
export function decide(
  fromRole: ActionRules | undefined,
  own: ActionRules | undefined,
  principal: Principal,
  levels: Levels,
  denyWalk: TrieWalk,
  allowWalk: TrieWalk,
): boolean {
  if (fromRole === undefined && own === undefined) return false;
  const masks = (fromRole?.masks ?? 0) | (own?.masks ?? 0);
  let bindings = NO_BINDINGS;
  // Bit 0 alone means no rule uses a placeholder: skip reading the identity.
  if (masks > 1) {
    bindings = bindPrincipal(principal);
    if (refusesAny(masks, bindings)) return false;
  }
  if (someRule(fromRole?.deny, denyWalk, levels, bindings)) return false;
  if (someRule(own?.deny, denyWalk, levels, bindings)) return false;
  return (
    someRule(fromRole?.allow, allowWalk, levels, bindings) ||
    someRule(own?.allow, allowWalk, levels, bindings)
  );
}
