/**
 * Turns "the compiled validator said no" into one actionable issue: the JSON pointer of the
 * first offending value, what the schema expects there and what was found (truncated).
 * Runs only on refused payloads, so it favours clear wording over speed; it walks the schema
 * (never deeper than the schema goes) and reads keywords as plain JSON Schema.
 */
import type { TSchema } from 'typebox';
import type { Validator } from 'typebox/compile';
import { Compile } from 'typebox/compile';
import {
  countRange,
  describeConst,
  describeSchema,
  describeValue,
  isEpochMillis,
  iso,
  joinOr,
  plural,
} from './describe.ts';
import { limits } from './limits.ts';
import type { ValidationIssue } from './parse-result.ts';
import { issueAt } from './parse-result.ts';
import { metricNameKeyPattern } from './telemetry.ts';
import type { Node } from './schema-node.ts';
import { isNode, nodeAt, nodesAt, numberAt } from './schema-node.ts';
import { pathSegment, quote } from './text.ts';

interface Found {
  path: string;
  expected: string;
  got: string;
}

const patterns = new Map<string, RegExp>();
function matches(pattern: string, text: string): boolean {
  let regex = patterns.get(pattern);
  if (!regex) {
    regex = new RegExp(pattern, 'u');
    patterns.set(pattern, regex);
  }
  return regex.test(text);
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdbff) count++;
  }
  return count;
}

function mismatch(node: Node, value: unknown, path: string): Found {
  return { path, expected: describeSchema(node), got: describeValue(value) };
}

function explainNumber(node: Node, value: unknown, path: string): Found | undefined {
  if (typeof value !== 'number') return mismatch(node, value, path);
  if (!Number.isFinite(value)) return { path, expected: 'finite number', got: String(value) };
  if (node.type === 'integer' && !Number.isInteger(value)) return mismatch(node, value, path);
  const [min, max] = [numberAt(node, 'minimum'), numberAt(node, 'maximum')];
  if ((min === undefined || value >= min) && (max === undefined || value <= max)) return undefined;
  const found = mismatch(node, value, path);
  if (isEpochMillis(node)) {
    const seconds = value * 1000 >= limits.ts.min && value * 1000 <= limits.ts.max;
    found.got += seconds ? ' (looks like epoch seconds; send milliseconds)' : ` (${iso(value)})`;
  }
  return found;
}

function explainString(node: Node, value: unknown, path: string): Found | undefined {
  if (typeof value !== 'string') return mismatch(node, value, path);
  const [min, max] = [numberAt(node, 'minLength'), numberAt(node, 'maxLength')];
  const length = min !== undefined || max !== undefined ? codePoints(value) : 0;
  const badLength = (min !== undefined && length < min) || (max !== undefined && length > max);
  const badPattern = typeof node.pattern === 'string' && !matches(node.pattern, value);
  if (!badLength && !badPattern) return undefined;
  const found = mismatch(node, value, path);
  if (badLength && value.length <= 32) found.got += ` (${length} chars)`;
  return found;
}

const itemChecks = new WeakMap<Node, Validator>();

function explainArray(node: Node, value: unknown, path: string): Found | undefined {
  if (!Array.isArray(value)) return mismatch(node, value, path);
  const [min, max] = [numberAt(node, 'minItems'), numberAt(node, 'maxItems')];
  if ((min !== undefined && value.length < min) || (max !== undefined && value.length > max)) {
    return mismatch(node, value, path);
  }
  const items = nodeAt(node, 'items');
  if (!items) return undefined;
  // Skip valid items at compiled speed: a refused 500-point batch is walked only at its bad point.
  const validItem = itemChecks.get(items) ?? Compile(items as TSchema);
  itemChecks.set(items, validItem);
  for (let i = 0; i < value.length; i++) {
    if (validItem.Check(value[i])) continue;
    const found = explainNode(items, value[i], `${path}/${i}`);
    if (found) return found;
  }
  return undefined;
}

function unexpectedKey(node: Node, key: string, path: string): Found {
  const keyPath = `${path}/${pathSegment(key)}`;
  const names = Object.keys(nodeAt(node, 'properties') ?? {});
  const keyPatterns = Object.keys(nodeAt(node, 'patternProperties') ?? {});
  const reserved = key === '__proto__';
  if (keyPatterns.includes(metricNameKeyPattern)) {
    const got = reserved ? 'reserved name "__proto__"' : `name ${quote(key)}`;
    const { minLength, maxLength } = limits.metricName;
    return {
      path: keyPath,
      expected: `metric name of ${minLength}-${maxLength} characters of A-Z a-z 0-9 _ . : -`,
      got,
    };
  }
  const got = reserved ? 'reserved key "__proto__"' : `property ${quote(key)}`;
  if (keyPatterns.length > 0) {
    return { path: keyPath, expected: `property name matching ${keyPatterns.join(' or ')}`, got };
  }
  const expected = names.length > 0 ? `only ${names.join(', ')}` : 'no properties';
  return { path: keyPath, expected, got };
}

function explainObject(node: Node, value: unknown, path: string): Found | undefined {
  if (!isNode(value)) return mismatch(node, value, path);
  const properties = nodeAt(node, 'properties') ?? {};
  const patternProperties = nodeAt(node, 'patternProperties') ?? {};
  const keys = Object.getOwnPropertyNames(value);

  const [min, max] = [numberAt(node, 'minProperties'), numberAt(node, 'maxProperties')];
  if ((min !== undefined && keys.length < min) || (max !== undefined && keys.length > max)) {
    const metrics = Object.hasOwn(patternProperties, metricNameKeyPattern);
    const [one, many] = metrics ? ['metric', 'metrics'] : ['property', 'properties'];
    const expected = `object with ${countRange(min, max, many)}`;
    return { path, expected, got: `object with ${plural(keys.length, one, many)}` };
  }
  const required = Array.isArray(node.required) ? (node.required as unknown[]) : [];
  for (const key of required) {
    const property = typeof key === 'string' ? nodeAt(properties, key) : undefined;
    if (typeof key === 'string' && property && !Object.hasOwn(value, key)) {
      return {
        path: `${path}/${pathSegment(key)}`,
        expected: describeSchema(property),
        got: 'nothing',
      };
    }
  }
  for (const key of keys) {
    const keyPath = `${path}/${pathSegment(key)}`;
    const property = Object.hasOwn(properties, key) ? nodeAt(properties, key) : undefined;
    let known = property !== undefined;
    const found = property ? explainNode(property, value[key], keyPath) : undefined;
    if (found) return found;
    for (const [pattern, schema] of Object.entries(patternProperties)) {
      if (key === '__proto__' || !isNode(schema) || !matches(pattern, key)) continue;
      known = true;
      const patternFound = explainNode(schema, value[key], keyPath);
      if (patternFound) return patternFound;
    }
    if (!known && node.additionalProperties === false) return unexpectedKey(node, key, path);
  }
  return undefined;
}

/**
 * The branch the sender most likely meant: for objects, the one whose `type` tag matches
 * (or a found issue on `/type` when none does), then the one sharing most property names;
 * otherwise the only branch of the value's JSON type.
 */
function likelyBranch(
  branches: Node[],
  value: unknown,
  path: string,
): { branch: Node } | { tagIssue: Found } | undefined {
  const objectBranches = branches.filter((branch) => branch.type === 'object');
  if (isNode(value) && objectBranches.length > 0) {
    let candidates = objectBranches;
    const tags = objectBranches.map((branch) => nodeAt(nodeAt(branch, 'properties') ?? {}, 'type'));
    if (tags.every((tag) => tag !== undefined && 'const' in tag)) {
      candidates = objectBranches.filter((_, i) => tags[i]?.const === value.type);
      if (candidates.length === 0) {
        const expected = joinOr(tags.map((tag) => describeConst(tag?.const)));
        return { tagIssue: { path: `${path}/type`, expected, got: describeValue(value.type) } };
      }
    }
    const score = (branch: Node): number => {
      const properties = nodeAt(branch, 'properties') ?? {};
      return Object.keys(value).filter((key) => Object.hasOwn(properties, key)).length;
    };
    return { branch: candidates.reduce((a, b) => (score(b) > score(a) ? b : a)) };
  }
  const type = jsonType(value);
  const sameType = branches.filter(
    (branch) => branch.type === type || (branch.type === 'integer' && type === 'number'),
  );
  const [only] = sameType;
  return sameType.length === 1 && only ? { branch: only } : undefined;
}

function explainUnion(
  node: Node,
  branches: Node[],
  value: unknown,
  path: string,
): Found | undefined {
  // Walk the likely branch first, so a large refused value is walked once, not per branch.
  const likely = likelyBranch(branches, value, path);
  const branch = likely && 'branch' in likely ? likely.branch : undefined;
  const found =
    likely && 'tagIssue' in likely ? likely.tagIssue : branch && explainNode(branch, value, path);
  if (branch && found === undefined) return undefined;
  const others = branches.filter((other) => other !== branch);
  if (others.some((other) => explainNode(other, value, path) === undefined)) return undefined;
  return found ?? mismatch(node, value, path);
}

function explainNode(node: Node, value: unknown, path: string): Found | undefined {
  if ('const' in node) return value === node.const ? undefined : mismatch(node, value, path);
  const anyOf = nodesAt(node, 'anyOf');
  if (anyOf) return explainUnion(node, anyOf, value, path);
  switch (node.type) {
    case 'string':
      return explainString(node, value, path);
    case 'number':
    case 'integer':
      return explainNumber(node, value, path);
    case 'boolean':
    case 'null':
      return jsonType(value) === node.type ? undefined : mismatch(node, value, path);
    case 'array':
      return explainArray(node, value, path);
    case 'object':
      return explainObject(node, value, path);
    default:
      return undefined;
  }
}

/** The first reason `value` does not match `schema`, or `undefined` when it matches. */
export function findIssue(schema: TSchema, value: unknown): ValidationIssue | undefined {
  const found = explainNode(schema as Node, value, '');
  return found && issueAt('TWW_INVALID_PAYLOAD', found.path, found.expected, found.got);
}

/** The issue for a value the compiled validator refused (never undefined). */
export function explain(schema: TSchema, value: unknown): ValidationIssue {
  return (
    findIssue(schema, value) ??
    issueAt('TWW_INVALID_PAYLOAD', '', describeSchema(schema as Node), describeValue(value))
  );
}
