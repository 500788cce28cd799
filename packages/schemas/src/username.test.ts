import fc from 'fast-check';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { isValidUsername, Username } from './primitives.ts';

/** The rule in words: 1-128 characters, none of them `/ + #` or a control character. */
function reference(name: string): boolean {
  if (name.length < 1 || name.length > 128) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    if (control || '/+#'.includes(char)) return false;
  }
  return true;
}

describe('usernames', () => {
  it('refuse what cannot stand in one topic level', () => {
    for (const name of [
      '#',
      '+',
      'a/b',
      'sensors/#',
      'nul\u0000',
      'tab\t',
      'del\u007f',
      'c1\u0085',
      '',
    ])
      expect(isValidUsername(name)).toBe(false);
    for (const name of ['alice', 'Ops Team', 'jürgen', 'a.b-c_d:e', 'x'.repeat(128)])
      expect(isValidUsername(name)).toBe(true);
    expect(isValidUsername('x'.repeat(129))).toBe(false);
  });

  it('the schema and the function agree with the rule in words', () => {
    const schema = Compile(Username);
    const names = fc.string({
      unit: fc.oneof(
        fc.constantFrom(
          'a',
          'Z',
          '0',
          ' ',
          '/',
          '+',
          '#',
          '\u0000',
          '\u001f',
          '\u007f',
          '\u0085',
          'é',
        ),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 140,
    });
    fc.assert(
      fc.property(names, (name) => {
        expect(isValidUsername(name)).toBe(reference(name));
        expect(schema.Check(name)).toBe(reference(name));
      }),
    );
  });
});
