import { describe, expect, it } from 'vitest';
import { conditionHolds, renderMessage } from './conditions.ts';

describe('conditionHolds', () => {
  it('compares numbers with each operator', () => {
    expect(conditionHolds({ op: '>', value: 10 }, 11)).toBe(true);
    expect(conditionHolds({ op: '>', value: 10 }, 10)).toBe(false);
    expect(conditionHolds({ op: '>=', value: 10 }, 10)).toBe(true);
    expect(conditionHolds({ op: '<', value: 10 }, 9)).toBe(true);
    expect(conditionHolds({ op: '<=', value: 10 }, 11)).toBe(false);
    expect(conditionHolds({ op: '==', value: 'open' }, 'open')).toBe(true);
    expect(conditionHolds({ op: '!=', value: true }, true)).toBe(false);
  });

  it('judges ranges inclusively for between and exclusively for outside', () => {
    expect(conditionHolds({ op: 'between', low: 1, high: 5 }, 5)).toBe(true);
    expect(conditionHolds({ op: 'between', low: 1, high: 5 }, 6)).toBe(false);
    expect(conditionHolds({ op: 'outside', low: 1, high: 5 }, 5)).toBe(false);
    expect(conditionHolds({ op: 'outside', low: 1, high: 5 }, 0)).toBe(true);
  });

  it('cannot judge a string against an ordering or no_data against any reading', () => {
    expect(conditionHolds({ op: '>', value: 1 }, 'hot')).toBeUndefined();
    expect(conditionHolds({ op: 'between', low: 1, high: 5 }, true)).toBeUndefined();
    expect(conditionHolds({ op: 'no_data', seconds: 5 }, 3)).toBeUndefined();
  });
});

describe('renderMessage', () => {
  it('fills the known placeholders and leaves others alone', () => {
    expect(
      renderMessage('{rule}: {device} {metric}={value} {other}', {
        device: 'd1',
        metric: 'temp',
        value: 81.5,
        rule: 'hot',
      }),
    ).toBe('hot: d1 temp=81.5 {other}');
  });
});
