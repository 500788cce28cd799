import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunkDelayMs } from './delayed-pipe.ts';
import { nextDropDelayMs } from './drop-schedule.ts';

describe('chunkDelayMs', () => {
  it('stays within latency ± jitter and never goes negative', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (latencyMs, jitterMs, r) => {
          const delay = chunkDelayMs(
            { latencyMs, jitterMs, bandwidthBytesPerSecond: null },
            () => r,
          );
          expect(delay).toBeGreaterThanOrEqual(Math.max(0, latencyMs - jitterMs));
          expect(delay).toBeLessThanOrEqual(latencyMs + jitterMs);
        },
      ),
    );
  });

  it('is exactly the latency without jitter', () => {
    expect(
      chunkDelayMs({ latencyMs: 30, jitterMs: 0, bandwidthBytesPerSecond: null }, () => 0.9),
    ).toBe(30);
  });
});

describe('nextDropDelayMs', () => {
  it('never drops at a rate of zero', () => {
    expect(nextDropDelayMs(0, () => 0.5)).toBe(Number.POSITIVE_INFINITY);
  });

  it('averages one drop per 60/rate seconds', () => {
    let state = 0;
    const uniform = () => ((state = (state + 0.618033988749895) % 1), state);
    const samples = Array.from({ length: 10_000 }, () => nextDropDelayMs(6, uniform));
    const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
    expect(mean).toBeGreaterThan(9_000);
    expect(mean).toBeLessThan(11_000);
  });

  it('is finite even when random returns its largest value', () => {
    expect(Number.isFinite(nextDropDelayMs(1, () => 1 - Number.EPSILON / 2))).toBe(true);
  });
});
