/** Schemas and values in words, for error messages a device developer can act on. */
import { limits } from './limits.ts';
import type { Node } from './schema-node.ts';
import { numberAt, nodesAt } from './schema-node.ts';
import { quote } from './text.ts';

export function joinOr(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? 'nothing';
  return `${unique.slice(0, -1).join(', ')} or ${unique.at(-1) ?? ''}`;
}

export const plural = (count: number, one: string, many: string): string =>
  `${count} ${count === 1 ? one : many}`;

export function countRange(min: number | undefined, max: number | undefined, unit: string): string {
  if (min !== undefined && max !== undefined) return `${min}-${max} ${unit}`;
  if (max !== undefined) return `at most ${max} ${unit}`;
  return `at least ${min ?? 0} ${unit}`;
}

export const isEpochMillis = (node: Node): boolean =>
  node.minimum === limits.ts.min && node.maximum === limits.ts.max;
export const iso = (ms: number): string =>
  Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : 'out of range';

export function describeConst(value: unknown): string {
  return typeof value === 'string' ? quote(value, 64) : String(value);
}

/** What a schema accepts, in words: `"number, boolean or string (≤ 256 chars)"`. */
export function describeSchema(node: Node): string {
  if ('const' in node) return describeConst(node.const);
  const anyOf = nodesAt(node, 'anyOf');
  if (anyOf) return joinOr(anyOf.map(describeSchema));
  switch (node.type) {
    case 'string': {
      const [min, max] = [numberAt(node, 'minLength'), numberAt(node, 'maxLength')];
      const length =
        min === undefined && max !== undefined
          ? `≤ ${max} chars`
          : min !== undefined || max !== undefined
            ? countRange(min, max, 'chars')
            : undefined;
      const pattern = typeof node.pattern === 'string' ? `matching ${node.pattern}` : undefined;
      const rules = [length, pattern].filter((rule) => rule !== undefined);
      return rules.length === 0 ? 'string' : `string (${rules.join(', ')})`;
    }
    case 'integer':
    case 'number': {
      if (isEpochMillis(node)) {
        return `integer epoch milliseconds from ${iso(limits.ts.min)} to ${iso(limits.ts.max)}`;
      }
      const [min, max] = [numberAt(node, 'minimum'), numberAt(node, 'maximum')];
      if (min !== undefined && max !== undefined) return `${node.type} from ${min} to ${max}`;
      if (min !== undefined) return `${node.type} ≥ ${min}`;
      if (max !== undefined) return `${node.type} ≤ ${max}`;
      return node.type;
    }
    case 'boolean':
    case 'null':
      return node.type;
    case 'array':
      return `array of ${countRange(numberAt(node, 'minItems'), numberAt(node, 'maxItems'), 'items')}`;
    case 'object':
      return typeof node.title === 'string' ? `${node.title} object` : 'object';
    default:
      return 'any JSON value';
  }
}

/** A found value in words, never longer than a short line. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'nothing';
    case 'string':
      return `string ${quote(value)}`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? `array of ${plural(value.length, 'item', 'items')}` : 'object';
    case 'bigint':
    case 'function':
    case 'symbol':
      return typeof value;
  }
}
