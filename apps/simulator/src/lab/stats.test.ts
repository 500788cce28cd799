import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LatencyRecorder, num, pool, ratioText } from './stats.ts';

describe('LatencyRecorder', () => {
  it('reads percentiles back in milliseconds, within the histogram’s 3 significant digits', () => {
    const recorder = new LatencyRecorder();
    for (let i = 1; i <= 1000; i++) recorder.record(i / 10); // 0.1 ms … 100 ms
    const summary = recorder.summary();
    expect(summary.count).toBe(1000);
    expect(summary.p50).toBeCloseTo(50, 0);
    expect(summary.p90).toBeCloseTo(90, 0);
    expect(summary.p99).toBeCloseTo(99, 0);
    expect(summary.max).toBeCloseTo(100, 0);
  });

  it('keeps sub-millisecond samples apart (microsecond resolution)', () => {
    const recorder = new LatencyRecorder();
    recorder.record(0.05);
    recorder.record(0.2);
    expect(recorder.percentile(50)).toBeCloseTo(0.05, 3);
    expect(recorder.percentile(100)).toBeCloseTo(0.2, 3);
  });

  it('is empty (NaN) before the first sample and after a reset', () => {
    const recorder = new LatencyRecorder();
    expect(recorder.summary().p50).toBeNaN();
    recorder.record(1);
    recorder.reset();
    expect(recorder.count).toBe(0);
  });
});

describe('report numbers', () => {
  it('rounds finite numbers and leaves the rest empty', () => {
    expect(num(1.23456, 2)).toBe(1.23);
    expect(num(Number.NaN)).toBeNull();
    expect(num(Number.POSITIVE_INFINITY)).toBeNull();
    expect(num(undefined)).toBeNull();
  });

  it('prints ratios, or a dash when a side is missing', () => {
    expect(ratioText(3, 2)).toBe('1.50×');
    expect(ratioText(3, 0)).toBe('—');
    expect(ratioText(undefined, 2)).toBe('—');
  });
});

describe('pool', () => {
  it('runs every item with at most `concurrency` under way', async () => {
    let active = 0;
    let peak = 0;
    const results = await pool(20, 3, async (i) => {
      active += 1;
      peak = Math.max(peak, active);
      await sleep(1);
      active -= 1;
      return i * 2;
    });
    expect(peak).toBeLessThanOrEqual(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});
