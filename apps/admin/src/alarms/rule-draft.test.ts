import { describe, expect, it } from 'vitest';
import { emptyRuleDraft, ruleFromDraft } from './rule-draft.ts';

describe('ruleFromDraft', () => {
  it('builds a threshold rule for one device', () => {
    expect(
      ruleFromDraft({
        ...emptyRuleDraft,
        name: ' hot ',
        scope: 'device',
        target: 'pump-1',
        metric: 'temp',
        value: '80',
        raiseAfterS: '10',
      }),
    ).toEqual({
      rule: expect.objectContaining({
        name: 'hot',
        deviceId: 'pump-1',
        metric: 'temp',
        condition: { op: '>', value: 80 },
        raiseAfterS: 10,
      }) as unknown,
    });
  });

  it('types == values and builds no_data without a metric', () => {
    const equals = ruleFromDraft({
      ...emptyRuleDraft,
      name: 'door',
      metric: 'door',
      op: '==',
      value: 'true',
    });
    expect(equals).toMatchObject({ rule: { condition: { op: '==', value: true } } });
    const silent = ruleFromDraft({ ...emptyRuleDraft, name: 'quiet', op: 'no_data', value: '60' });
    expect(silent).toMatchObject({ rule: { condition: { op: 'no_data', seconds: 60 } } });
    expect(silent).not.toMatchObject({ rule: { metric: expect.anything() as unknown } });
  });

  it('names what is missing or wrong', () => {
    expect(ruleFromDraft({ ...emptyRuleDraft })).toEqual({ problem: 'Give the rule a name.' });
    expect(ruleFromDraft({ ...emptyRuleDraft, name: 'x', metric: 'm', value: 'hot' })).toEqual({
      problem: 'The threshold is a number.',
    });
    expect(
      ruleFromDraft({
        ...emptyRuleDraft,
        name: 'x',
        metric: 'm',
        op: 'between',
        value: '5',
        high: '1',
      }),
    ).toEqual({ problem: 'The low end must not be above the high end.' });
  });
});
