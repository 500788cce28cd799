import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limits } from './limits.ts';
import { metricNameKeyPattern } from './telemetry.ts';

describe('limits', () => {
  it('bound timestamps to 2000-01-01..2100-01-01 in epoch milliseconds', () => {
    expect(limits.ts.min).toBe(Date.UTC(2000, 0, 1));
    expect(limits.ts.max).toBe(Date.UTC(2100, 0, 1));
  });

  it('state the documented sizes', () => {
    expect(limits.maxPayloadBytes).toBe(65_536);
    expect(limits.maxMetricsPerReading).toBe(64);
    expect(limits.maxStringValueLength).toBe(256);
    expect(limits.maxBatchPoints).toBe(500);
    expect(limits.window).toEqual({ maxFutureMs: 300_000, maxPastMs: 2_592_000_000 });
    expect(limits.seq.max).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('fold the metric name pattern and length into the record key pattern, minus __proto__', () => {
    const keyPattern = new RegExp(metricNameKeyPattern, 'u');
    const namePattern = new RegExp(limits.metricName.pattern, 'u');
    const names = fc.oneof(
      fc.string({ unit: fc.constantFrom(...Array.from('aZ09_.:-/ +é')), maxLength: 70 }),
      fc.constantFrom('__proto__', '__proto__x', 'constructor'),
    );
    fc.assert(
      fc.property(names, (name) => {
        const expected =
          namePattern.test(name) &&
          name.length >= limits.metricName.minLength &&
          name.length <= limits.metricName.maxLength &&
          name !== '__proto__';
        expect(keyPattern.test(name)).toBe(expected);
      }),
    );
  });
});
