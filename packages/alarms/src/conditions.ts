import type { AlarmCondition } from '@twinwire/schemas/alarms';

export type Reading = number | boolean | string;

/**
 * Whether a reading makes a condition hold, or `undefined` when the condition cannot judge
 * it (a string against `>`, any reading against `no_data`): such a reading leaves the rule's
 * state as it was rather than clearing an alarm by accident.
 */
export function conditionHolds(condition: AlarmCondition, value: Reading): boolean | undefined {
  switch (condition.op) {
    case '==':
      return value === condition.value;
    case '!=':
      return value !== condition.value;
    case '>':
    case '>=':
    case '<':
    case '<=':
      return typeof value === 'number' && typeof condition.value === 'number'
        ? compare(condition.op, value, condition.value)
        : undefined;
    case 'between':
      return typeof value === 'number'
        ? value >= condition.low && value <= condition.high
        : undefined;
    case 'outside':
      return typeof value === 'number'
        ? value < condition.low || value > condition.high
        : undefined;
    case 'no_data':
      return undefined;
  }
}

function compare(op: '>' | '>=' | '<' | '<=', value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** The rule's message with {device}, {metric}, {value} and {rule} filled in. */
export function renderMessage(
  template: string,
  fields: { device: string; metric: string | null; value: Reading | null; rule: string },
): string {
  return template.replace(/\{(device|metric|value|rule)\}/g, (_match, key: keyof typeof fields) => {
    const field = fields[key];
    return field === null ? '' : String(field);
  });
}
