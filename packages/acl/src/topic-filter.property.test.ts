import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  anyFilterArb,
  filterArb,
  filterPairArb,
  OutcomeCounter,
  topicArb,
} from '../test/arbitraries.ts';
import {
  bruteForceFilterContains,
  bruteForceFiltersOverlap,
  naiveFilterContains,
  naiveFiltersOverlap,
  naiveIsValidTopicFilter,
  naiveMatches,
} from './naive.ts';
import {
  filterContains,
  filtersOverlap,
  isValidTopicFilter,
  matchesFilter,
} from './topic-filter.ts';

const RUNS = { numRuns: 2000 };
const SLOW = 120_000;

/** A third, independent way to match: translate the filter into a regular expression. */
function regexMatches(filter: string, topic: string): boolean {
  const levels = filter.split('/');
  const escape = (level: string): string => level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let pattern = levels
    .filter((level) => level !== '#')
    .map((level) => (level === '+' ? '[^/]*' : escape(level)))
    .join('/');
  if (levels.at(-1) === '#') pattern = levels.length === 1 ? '.*' : `${pattern}(?:/.*)?`;
  const dollarGuard = levels[0] === '+' || levels[0] === '#' ? '(?!\\$)' : '';
  return new RegExp(`^${dollarGuard}${pattern}$`).test(topic);
}

function expectBothOutcomes(counter: OutcomeCounter, minimum: number): void {
  expect(counter.true).toBeGreaterThanOrEqual(minimum);
  expect(counter.false).toBeGreaterThanOrEqual(minimum);
}

describe('topic-filter properties', () => {
  it('isValidTopicFilter agrees with the naive validator', () => {
    const outcomes = new OutcomeCounter();
    fc.assert(
      fc.property(anyFilterArb, (filter) => {
        expect(isValidTopicFilter(filter)).toBe(outcomes.record(naiveIsValidTopicFilter(filter)));
      }),
      RUNS,
    );
    expectBothOutcomes(outcomes, 200);
  });

  it('matchesFilter agrees with the recursive reference and with a regex translation', () => {
    const outcomes = new OutcomeCounter();
    fc.assert(
      fc.property(filterArb(5), topicArb, (filter, topic) => {
        const expected = outcomes.record(naiveMatches(filter, topic));
        expect(matchesFilter(filter, topic)).toBe(expected);
        expect(regexMatches(filter, topic)).toBe(expected);
      }),
      RUNS,
    );
    expectBothOutcomes(outcomes, 200);
  });

  it(
    'filterContains equals containment decided by enumerating every distinguishing topic',
    () => {
      const outcomes = new OutcomeCounter();
      fc.assert(
        fc.property(filterPairArb, ([outer, inner]) => {
          const expected = outcomes.record(bruteForceFilterContains(outer, inner));
          expect(filterContains(outer, inner)).toBe(expected);
          expect(naiveFilterContains(outer, inner)).toBe(expected);
        }),
        RUNS,
      );
      expectBothOutcomes(outcomes, 200);
    },
    SLOW,
  );

  it(
    'filtersOverlap equals a search for a topic matched by both filters',
    () => {
      const outcomes = new OutcomeCounter();
      fc.assert(
        fc.property(filterPairArb, ([a, b]) => {
          const expected = outcomes.record(bruteForceFiltersOverlap(a, b));
          expect(filtersOverlap(a, b)).toBe(expected);
          expect(filtersOverlap(b, a)).toBe(expected);
          expect(naiveFiltersOverlap(a, b)).toBe(expected);
        }),
        RUNS,
      );
      expectBothOutcomes(outcomes, 200);
    },
    SLOW,
  );

  it('containment implies matching: every topic of the inner filter matches the outer', () => {
    let checked = 0;
    fc.assert(
      fc.property(filterPairArb, topicArb, ([outer, inner], topic) => {
        fc.pre(filterContains(outer, inner) && matchesFilter(inner, topic));
        checked++;
        expect(matchesFilter(outer, topic)).toBe(true);
      }),
      { numRuns: 1000, maxSkipsPerRun: 1000 },
    );
    expect(checked).toBe(1000);
  });

  it('a filter contains itself and overlaps itself', () => {
    fc.assert(
      fc.property(filterArb(5), (filter) => {
        expect(filterContains(filter, filter)).toBe(true);
        expect(filtersOverlap(filter, filter)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('topic-filter exhaustively over a small space', () => {
  const levels = ['a', '$SYS', '', '+'];
  const filters: string[] = [];
  const build = (prefix: string[]): void => {
    if (prefix.length > 0) filters.push(prefix.join('/'));
    filters.push([...prefix, '#'].join('/'));
    if (prefix.length < 3) for (const level of levels) build([...prefix, level]);
  };
  build([]);

  it(
    `filterContains and filtersOverlap agree with enumeration on all ${filters.length}² pairs of filters up to three levels plus #`,
    () => {
      const containment = new OutcomeCounter();
      const overlap = new OutcomeCounter();
      const mismatches: string[] = [];
      for (const a of filters) {
        for (const b of filters) {
          if (filterContains(a, b) !== containment.record(bruteForceFilterContains(a, b))) {
            mismatches.push(`${a} ⊇ ${b}`);
          }
          if (filtersOverlap(a, b) !== overlap.record(bruteForceFiltersOverlap(a, b))) {
            mismatches.push(`${a} ∩ ${b}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
      expectBothOutcomes(containment, 1000);
      expectBothOutcomes(overlap, 1000);
    },
    SLOW,
  );
});
