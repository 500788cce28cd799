import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles the ceiling per failure up to the cap', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    const delays = Array.from({ length: 6 }, () => Math.round(backoff.next()));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads each delay over the whole range below the ceiling (full jitter)', () => {
    const low = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    const mid = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 });
    low.next();
    mid.next();
    expect(low.next()).toBe(0);
    expect(mid.next()).toBe(100);
  });

  it('starts over after a success', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(50);
  });

  it('never waits longer than the cap or less than zero, however many failures', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (baseMs, extra, failures, r) => {
          const backoff = new Backoff({ baseMs, maxMs: baseMs + extra, random: () => r });
          for (let i = 0; i < failures; i++) backoff.next();
          const delay = backoff.next();
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(baseMs + extra);
        },
      ),
    );
  });

  it('refuses a cap below the base', () => {
    expect(() => new Backoff({ baseMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
