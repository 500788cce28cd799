import { describe, expect, it } from 'vitest';
import { filterProblem } from './filter-problem.ts';

describe('filterProblem', () => {
  it.each(['#', 'devices/#', 'devices/+/telemetry', '+/+/+', 'devices/pump-1/commands/+/ack'])(
    'accepts %s',
    (filter) => {
      expect(filterProblem(filter)).toBeUndefined();
    },
  );

  it.each([
    ['', /Enter a topic filter/],
    ['devices/#/status', /'#' must be/],
    ['devices/a#', /'#' must be/],
    ['devices/a+/status', /'\+' must be/],
    ['devices/é', /printable ASCII/],
    ['a'.repeat(257), /at most 256/],
  ])('refuses %s', (filter, problem) => {
    expect(filterProblem(filter)).toMatch(problem);
  });
});
