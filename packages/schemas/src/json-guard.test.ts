import { describe, expect, it } from 'vitest';
import { findUnsafeJson } from './json-guard.ts';

describe('findUnsafeJson', () => {
  it('passes primitives and shallow JSON', () => {
    for (const value of [null, 1, 'x', true, [], {}, { a: [1, { b: 'c' }] }]) {
      expect(findUnsafeJson(value)).toBeUndefined();
    }
  });

  it('allows exactly maxDepth levels and refuses one more, pointing at the deepest container', () => {
    expect(findUnsafeJson([[[1]]], 3)).toBeUndefined();
    expect(findUnsafeJson([[[[1]]]], 3)).toMatchObject({ path: '/0/0/0', got: 'deeper nesting' });
  });

  it('finds a __proto__ key that JSON.parse made an own property', () => {
    const value: unknown = JSON.parse('{"a":[{"ok":1},{"x/y":{"__proto__":{"polluted":1}}}]}');
    expect(findUnsafeJson(value)).toMatchObject({
      code: 'TWW_INVALID_PAYLOAD',
      path: '/a/1/x~1y/__proto__',
    });
  });

  it('leaves keys named constructor or prototype alone', () => {
    expect(findUnsafeJson({ constructor: { prototype: 1 } })).toBeUndefined();
  });
});
