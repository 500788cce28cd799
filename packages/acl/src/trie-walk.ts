import { isBound, placeholderValue, renderLevel } from './placeholders.ts';
import type { Bindings, LevelTemplate } from './placeholders.ts';
import type { TrieNode } from './rule-trie.ts';
import { startsWithDollar } from './topic-filter.ts';
import type { Levels } from './topic-filter.ts';

/** Compares a literal level with a placeholder level without building the substituted text. */
function templateEquals(template: LevelTemplate, level: string, bindings: Bindings): boolean {
  let position = 0;
  for (const part of template.parts) {
    if (!level.startsWith(part.prefix, position)) return false;
    position += part.prefix.length;
    const value = placeholderValue(bindings, part.slot);
    if (value === null || !level.startsWith(value, position)) return false;
    position += value.length;
  }
  return position + template.tail.length === level.length && level.endsWith(template.tail);
}

function renderedStartsWithDollar(template: LevelTemplate, bindings: Bindings): boolean {
  return startsWithDollar(renderLevel(template, (name) => placeholderValue(bindings, name) ?? ''));
}

/** Placeholder masks (as `1 << mask` bits) whose placeholders are all bound, by bound bits. */
const APPLICABLE_MASK_BITS = [0b0001, 0b0011, 0b0101, 0b1111] as const;

function subtreeApplies(node: TrieNode, bindings: Bindings): boolean {
  return (node.subtreeMasks & (APPLICABLE_MASK_BITS[bindings.bound & 3] ?? 0)) !== 0;
}

/**
 * True when some rule filter in the trie contains `levels[i..]`. For a topic name (no wildcards)
 * containment is matching, so publish and subscribe share this walk.
 */
export function someRuleCovers(node: TrieNode, levels: Levels, i: number, b: Bindings): boolean {
  // [MQTT-4.7.2-1] a first-level '#' covers nothing that starts with '$'.
  if (node.hashRules.length > 0 && (i > 0 || !startsWithDollar(levels[0]))) return true;
  const level = levels[i];
  if (level === undefined) return node.endRules.length > 0;
  // Only a rule '#' (checked above) covers the unbounded tail of a requested '#', except that a
  // requested '#' as the whole filter is exactly the topics of a rule '+/#'.
  if (level === '#') return i === 0 && node.plus !== null && node.plus.hashRules.length > 0;
  // Only a rule '+' covers a requested '+'; a literal or identity covers one string.
  if (level === '+') return node.plus !== null && someRuleCovers(node.plus, levels, i + 1, b);
  const literal = node.literal.get(level);
  if (literal !== undefined && someRuleCovers(literal, levels, i + 1, b)) return true;
  // [MQTT-4.7.2-1] a first-level '+' does not match a '$' level.
  if (node.plus !== null && (i > 0 || !startsWithDollar(level))) {
    if (someRuleCovers(node.plus, levels, i + 1, b)) return true;
  }
  for (const edge of node.templates) {
    if (templateEquals(edge.template, level, b) && someRuleCovers(edge.node, levels, i + 1, b)) {
      return true;
    }
  }
  return false;
}

/** True when some bound rule filter at or below `node` matches some topic besides '$' ones. */
function someNonDollarRuleBelow(node: TrieNode, b: Bindings): boolean {
  for (const [key, child] of node.literal) {
    if (!startsWithDollar(key) && subtreeApplies(child, b)) return true;
  }
  if (node.plus !== null && subtreeApplies(node.plus, b)) return true;
  return node.templates.some(
    (edge) =>
      isBound(edge.template.mask, b) &&
      !renderedStartsWithDollar(edge.template, b) &&
      subtreeApplies(edge.node, b),
  );
}

/** True when some rule filter in the trie shares at least one topic with `levels[i..]`. */
export function someRuleOverlaps(node: TrieNode, levels: Levels, i: number, b: Bindings): boolean {
  // [MQTT-4.7.2-1] a first-level '#' shares no topic with a filter starting with a '$' level.
  const dollarAtRoot = i === 0 && startsWithDollar(levels[0]);
  if (node.hashRules.length > 0 && !dollarAtRoot) return true;
  const level = levels[i];
  if (level === undefined) return node.endRules.length > 0;
  if (level === '#') {
    // A requested '#' reaches every rule below here, except '$' topics when it is the first level.
    return i > 0 ? subtreeApplies(node, b) : someNonDollarRuleBelow(node, b);
  }
  if (level === '+') {
    for (const [key, child] of node.literal) {
      if ((i > 0 || !startsWithDollar(key)) && someRuleOverlaps(child, levels, i + 1, b)) {
        return true;
      }
    }
    if (node.plus !== null && someRuleOverlaps(node.plus, levels, i + 1, b)) return true;
    return node.templates.some(
      (edge) =>
        isBound(edge.template.mask, b) &&
        (i > 0 || !renderedStartsWithDollar(edge.template, b)) &&
        someRuleOverlaps(edge.node, levels, i + 1, b),
    );
  }
  const literal = node.literal.get(level);
  if (literal !== undefined && someRuleOverlaps(literal, levels, i + 1, b)) return true;
  if (node.plus !== null && !dollarAtRoot && someRuleOverlaps(node.plus, levels, i + 1, b)) {
    return true;
  }
  return node.templates.some(
    (edge) =>
      templateEquals(edge.template, level, b) && someRuleOverlaps(edge.node, levels, i + 1, b),
  );
}
