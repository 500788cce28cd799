/**
 * Whether a schema admits free-form JSON somewhere: an unconstrained value (`Type.Unknown()`)
 * or an object whose keys could include `__proto__`. Only such messages need the depth and
 * `__proto__` scan after validation; for the rest the schema itself rules both out, and the
 * hot path skips the scan.
 */
import type { Node } from './schema-node.ts';
import { isNode } from './schema-node.ts';

function children(node: Node, key: string): Node[] {
  const value = node[key];
  if (Array.isArray(value)) return value.filter(isNode);
  if (isNode(value)) return key === 'items' ? [value] : Object.values(value).filter(isNode);
  return [];
}

function admitsFreeForm(node: Node): boolean {
  if ('const' in node) return false;
  if (Array.isArray(node.anyOf)) return children(node, 'anyOf').some(admitsFreeForm);
  switch (node.type) {
    case 'object': {
      const patterns = Object.keys(isNode(node.patternProperties) ? node.patternProperties : {});
      const openKeys =
        node.additionalProperties !== false ||
        patterns.some((pattern) => new RegExp(pattern, 'u').test('__proto__'));
      return (
        openKeys ||
        children(node, 'properties').some(admitsFreeForm) ||
        children(node, 'patternProperties').some(admitsFreeForm)
      );
    }
    case 'array':
      return children(node, 'items').some(admitsFreeForm);
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return false;
    default:
      return true;
  }
}

const cache = new WeakMap<object, boolean>();

/** Memoized per schema object: computed once, then a map lookup. */
export function needsJsonGuard(schema: object): boolean {
  let result = cache.get(schema);
  if (result === undefined) {
    result = admitsFreeForm(schema as Node);
    cache.set(schema, result);
  }
  return result;
}
