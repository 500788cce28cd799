import { expect, it } from 'vitest';
import { createServiceSecret } from './service-secret.ts';

it('makes a fresh secret each time, long enough for the broker', () => {
  const first = createServiceSecret();
  expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
  expect(createServiceSecret()).not.toBe(first);
});
