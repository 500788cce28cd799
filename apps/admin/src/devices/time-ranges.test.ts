import { describe, expect, it } from 'vitest';
import { bucketPointsFor, customRangeStart, resolveRange } from './time-ranges.ts';

const now = Date.parse('2026-01-10T12:00:00Z');

describe('resolveRange', () => {
  it('streams short ranges live', () => {
    expect(resolveRange({ range: 'live-1m', from: null, to: null }, now).range).toEqual({
      kind: 'live',
      ms: 60_000,
      label: 'Live · 1 min',
    });
  });

  it('asks for buckets over long ranges, ending now', () => {
    expect(resolveRange({ range: '7d', from: null, to: null }, now).range).toEqual({
      kind: 'buckets',
      from: now - 7 * 86_400_000,
      to: now,
      label: 'Last 7 days',
    });
  });

  it('reads a custom range from the datetime inputs', () => {
    const { range } = resolveRange(
      { range: 'custom', from: '2026-01-01T00:00', to: '2026-01-02T00:00' },
      now,
    );
    expect(range.kind).toBe('buckets');
    if (range.kind === 'buckets') expect(range.to - range.from).toBe(86_400_000);
  });

  it('falls back to the default, saying why, when a custom range ends before it starts', () => {
    const result = resolveRange(
      { range: 'custom', from: '2026-01-02T00:00', to: '2026-01-01T00:00' },
      now,
    );
    expect(result.range).toMatchObject({ kind: 'live', ms: 300_000 });
    expect(result.problem).toMatch(/start before its end/);
  });

  it('falls back to the default for an unknown range id', () => {
    expect(resolveRange({ range: 'forever', from: null, to: null }, now).range.kind).toBe('live');
  });
});

describe('bucketPointsFor', () => {
  it('asks for about one point per two pixels within the API limit', () => {
    expect(bucketPointsFor(800)).toBe(400);
    expect(bucketPointsFor(50)).toBe(60);
    expect(bucketPointsFor(10_000)).toBe(2000);
  });

  it('does not warn about a custom range that is not filled in yet', () => {
    for (const [from, to] of [
      [null, null],
      ['2026-01-01T00:00', null],
      ['', '2026-01-01T00:00'],
    ] as const)
      expect(resolveRange({ range: 'custom', from, to }, 0).problem).toBeUndefined();
  });

  it('starts a custom range as the last hour, in the inputs’ local format', () => {
    const now = new Date(2026, 11, 7, 13, 54, 30).getTime();
    expect(customRangeStart(now)).toEqual({ from: '2026-12-07T12:54', to: '2026-12-07T13:54' });
    const { from, to } = customRangeStart(now);
    expect(resolveRange({ range: 'custom', from, to }, now).problem).toBeUndefined();
  });
});
