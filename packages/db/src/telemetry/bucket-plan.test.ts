import { describe, expect, it } from 'vitest';
import { planBuckets } from './bucket-plan.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 1);

describe('planBuckets', () => {
  it('reads everything raw for buckets that are not whole minutes', () => {
    for (const bucket of [1000, 59_000, 90_000])
      expect(planBuckets(T0, T0 + HOUR, bucket)).toEqual({ raw: [[T0, T0 + HOUR]], levels: [] });
  });

  it('reads the partial minutes at the edges raw and the whole minutes from the minute rollup', () => {
    expect(planBuckets(T0 + 500, T0 + 10 * MINUTE + 1, 2 * MINUTE)).toEqual({
      raw: [
        [T0 + 500, T0 + MINUTE],
        [T0 + 10 * MINUTE, T0 + 10 * MINUTE + 1],
      ],
      levels: [{ span: [T0 + MINUTE, T0 + 10 * MINUTE], edges: [[T0 + MINUTE, T0 + 10 * MINUTE]] }],
    });
  });

  it('reads a range without a whole minute raw', () => {
    for (const [from, to] of [
      [T0 + 10_000, T0 + 20_000],
      [T0 + 10_000, T0 + MINUTE + 5_000],
      [T0, T0],
    ] as const)
      expect(planBuckets(from, to, MINUTE)).toEqual({ raw: [[from, to]], levels: [] });
  });

  it('takes whole 5 minutes and whole hours from coarser levels, leaving the edges to finer ones', () => {
    expect(planBuckets(T0 + 30_000, T0 + 2 * HOUR + 7 * MINUTE + 1, HOUR)).toEqual({
      raw: [
        [T0 + 30_000, T0 + MINUTE],
        [T0 + 2 * HOUR + 7 * MINUTE, T0 + 2 * HOUR + 7 * MINUTE + 1],
      ],
      levels: [
        {
          span: [T0 + MINUTE, T0 + 2 * HOUR + 7 * MINUTE],
          edges: [
            [T0 + MINUTE, T0 + 5 * MINUTE],
            [T0 + 2 * HOUR + 5 * MINUTE, T0 + 2 * HOUR + 7 * MINUTE],
          ],
        },
        {
          span: [T0 + 5 * MINUTE, T0 + 2 * HOUR + 5 * MINUTE],
          edges: [
            [T0 + 5 * MINUTE, T0 + HOUR],
            [T0 + 2 * HOUR, T0 + 2 * HOUR + 5 * MINUTE],
          ],
        },
        { span: [T0 + HOUR, T0 + 2 * HOUR], edges: [[T0 + HOUR, T0 + 2 * HOUR]] },
      ],
    });
  });

  it('uses only the levels whose width divides the bucket and that fit in the range', () => {
    expect(planBuckets(T0, T0 + 30 * MINUTE, 10 * MINUTE).levels.map((l) => l.span)).toEqual([
      [T0, T0 + 30 * MINUTE],
      [T0, T0 + 30 * MINUTE],
    ]);
    expect(planBuckets(T0, T0 + 30 * MINUTE, HOUR).levels).toHaveLength(2);
    expect(planBuckets(T0, T0 + 30 * 24 * HOUR, 2 * MINUTE).levels).toHaveLength(1);
    expect(planBuckets(T0, T0 + 30 * 24 * HOUR, HOUR).levels.at(-1)).toEqual({
      span: [T0, T0 + 30 * 24 * HOUR],
      edges: [[T0, T0 + 30 * 24 * HOUR]],
    });
  });
});
