import type { AlarmRuleInput } from '@twinwire/schemas/alarms';

/** The rule form's fields, as typed (strings), before they become an `AlarmRuleInput`. */
export interface RuleDraft {
  name: string;
  scope: 'all' | 'device' | 'tag';
  target: string;
  metric: string;
  op: '>' | '>=' | '<' | '<=' | '==' | '!=' | 'between' | 'outside' | 'no_data';
  value: string;
  high: string;
  raiseAfterS: string;
  clearAfterS: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
}

export const emptyRuleDraft: RuleDraft = {
  name: '',
  scope: 'all',
  target: '',
  metric: '',
  op: '>',
  value: '',
  high: '',
  raiseAfterS: '0',
  clearAfterS: '0',
  severity: 'warning',
  message: '{device}: {metric} is {value}',
};

/** A typed value for == and !=: a number, true/false, or else text. */
function scalar(text: string): number | boolean | string {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  const number = Number(trimmed);
  return trimmed !== '' && Number.isFinite(number) ? number : trimmed;
}

/** The rule, or the problem with the draft (which field, in words). */
export function ruleFromDraft(draft: RuleDraft): { rule: AlarmRuleInput } | { problem: string } {
  if (draft.name.trim() === '') return { problem: 'Give the rule a name.' };
  if (draft.scope !== 'all' && draft.target.trim() === '')
    return { problem: draft.scope === 'device' ? 'Name the device.' : 'Name the tag.' };
  if (draft.op !== 'no_data' && draft.metric.trim() === '') return { problem: 'Name the metric.' };
  const raiseAfterS = Number(draft.raiseAfterS);
  const clearAfterS = Number(draft.clearAfterS);
  if (
    !Number.isInteger(raiseAfterS) ||
    raiseAfterS < 0 ||
    !Number.isInteger(clearAfterS) ||
    clearAfterS < 0
  )
    return { problem: 'Hold times are whole seconds, 0 or more.' };
  let condition: AlarmRuleInput['condition'];
  switch (draft.op) {
    case 'no_data': {
      const seconds = Number(draft.value);
      if (!Number.isInteger(seconds) || seconds < 1)
        return { problem: 'No reading for: give whole seconds, 1 or more.' };
      condition = { op: 'no_data', seconds };
      break;
    }
    case 'between':
    case 'outside': {
      const low = Number(draft.value);
      const high = Number(draft.high);
      if (
        draft.value.trim() === '' ||
        draft.high.trim() === '' ||
        !Number.isFinite(low) ||
        !Number.isFinite(high)
      )
        return { problem: 'Give the range as two numbers.' };
      if (low > high) return { problem: 'The low end must not be above the high end.' };
      condition = { op: draft.op, low, high };
      break;
    }
    case '==':
    case '!=':
      condition = { op: draft.op, value: scalar(draft.value) };
      break;
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const value = Number(draft.value);
      if (draft.value.trim() === '' || !Number.isFinite(value))
        return { problem: 'The threshold is a number.' };
      condition = { op: draft.op, value };
      break;
    }
  }
  return {
    rule: {
      name: draft.name.trim(),
      ...(draft.scope === 'device' ? { deviceId: draft.target.trim() } : {}),
      ...(draft.scope === 'tag' ? { tag: draft.target.trim() } : {}),
      ...(draft.op === 'no_data' ? {} : { metric: draft.metric.trim() }),
      condition,
      raiseAfterS,
      clearAfterS,
      severity: draft.severity,
      message: draft.message.trim() || '{device}: {rule}',
      enabled: true,
    },
  };
}

/** A rule's condition in words, for the list. */
export function describeCondition(rule: {
  metric: string | null;
  condition: AlarmRuleInput['condition'];
}): string {
  const { condition } = rule;
  switch (condition.op) {
    case 'no_data':
      return `no reading for ${condition.seconds} s`;
    case 'between':
      return `${rule.metric ?? ''} between ${condition.low} and ${condition.high}`;
    case 'outside':
      return `${rule.metric ?? ''} outside ${condition.low}…${condition.high}`;
    case '>':
    case '>=':
    case '<':
    case '<=':
    case '==':
    case '!=':
      return `${rule.metric ?? ''} ${condition.op} ${JSON.stringify(condition.value)}`;
  }
}
