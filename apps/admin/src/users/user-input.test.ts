import { describe, expect, it } from 'vitest';
import { passwordProblem, usernameProblem } from './user-input.ts';

describe('new user input', () => {
  it('flags a username that could pose as a topic filter, as the API would', () => {
    expect(usernameProblem('ops/+')).toMatch(/without \/ \+ #/);
    expect(usernameProblem('line\nbreak')).toBeDefined();
    expect(usernameProblem('Ada Lovelace')).toBeUndefined();
    expect(usernameProblem('')).toBeUndefined();
  });

  it('asks for twelve characters of password', () => {
    expect(passwordProblem('short')).toBe('Use at least 12 characters.');
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });
});
