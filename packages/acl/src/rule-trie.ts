import type { LevelTemplate } from './placeholders.ts';
import type { AclRule } from './rules.ts';

/** A validated rule with its topic pre-split into levels and its placeholder bits. */
export interface CompiledRule {
  readonly rule: AclRule;
  /** Position in the rule list, so explanations name the first deciding rule. */
  readonly order: number;
  readonly levels: readonly (string | LevelTemplate)[];
  /** Placeholder bits used by the topic (see PLACEHOLDER_BIT). */
  readonly mask: number;
}

interface TemplateEdge {
  readonly template: LevelTemplate;
  readonly node: TrieNode;
}

/**
 * One level of the rule filters of one (subject, action, effect). A placeholder level is an
 * edge compared against the principal's identity at match time, so nothing is rebuilt per call.
 */
export interface TrieNode {
  readonly literal: Map<string, TrieNode>;
  plus: TrieNode | null;
  readonly templates: TemplateEdge[];
  /** Rules whose filter ends at this level. */
  readonly endRules: CompiledRule[];
  /** Rules whose filter has '#' at this level. */
  readonly hashRules: CompiledRule[];
  /** Bit `1 << mask` for the placeholder mask of every rule at or below this node. */
  subtreeMasks: number;
}

export function createNode(): TrieNode {
  return {
    literal: new Map(),
    plus: null,
    templates: [],
    endRules: [],
    hashRules: [],
    subtreeMasks: 0,
  };
}

function childFor(node: TrieNode, level: string | LevelTemplate): TrieNode {
  if (typeof level !== 'string') {
    const edge = node.templates.find((candidate) => candidate.template.source === level.source);
    if (edge !== undefined) return edge.node;
    const child = createNode();
    node.templates.push({ template: level, node: child });
    return child;
  }
  if (level === '+') {
    node.plus ??= createNode();
    return node.plus;
  }
  let child = node.literal.get(level);
  if (child === undefined) {
    child = createNode();
    node.literal.set(level, child);
  }
  return child;
}

export function insertRule(root: TrieNode, compiled: CompiledRule): void {
  const maskBit = 1 << compiled.mask;
  let node = root;
  for (const level of compiled.levels) {
    node.subtreeMasks |= maskBit;
    if (level === '#') {
      node.hashRules.push(compiled);
      return;
    }
    node = childFor(node, level);
  }
  node.subtreeMasks |= maskBit;
  node.endRules.push(compiled);
}
