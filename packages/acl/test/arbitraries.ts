import fc from 'fast-check';
import type { AclRule, Principal, RuleSubject } from '../src/rules.ts';

/**
 * Small alphabets so that filters, topics and identities actually collide: the same few literals,
 * empty levels, a '$' level, and identities equal to those literals.
 */
const topicLevels = ['a', 'b', '$SYS', '', 'xa', 'vera'] as const;
const filterLevels = ['a', 'b', '$SYS', '', '+'] as const;
const templateLevels = [
  'a',
  'b',
  '$SYS',
  '',
  '+',
  '{deviceId}',
  '{username}',
  'x{deviceId}',
] as const;

function joinFilter(levels: readonly string[], hash: boolean): string {
  return [...levels, ...(hash ? ['#'] : [])].join('/');
}

const nonEmpty = (text: string): boolean => text !== '';

export const topicArb = fc
  .array(fc.constantFrom(...topicLevels), { minLength: 1, maxLength: 5 })
  .map((levels) => levels.join('/'))
  .filter(nonEmpty);

/** Valid filters of at most `maxLevels` levels, '#' included. */
export function filterArb(maxLevels = 4): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.constantFrom(...filterLevels), { maxLength: maxLevels - 1 }), fc.boolean())
    .map(([levels, hash]) => joinFilter(levels, hash || levels.length === 0))
    .filter(nonEmpty);
}

/** Subscription requests for ACL properties: also uses the levels identities expand to. */
export const requestFilterArb = fc
  .tuple(fc.array(fc.constantFrom(...filterLevels, 'xa', 'vera'), { maxLength: 3 }), fc.boolean())
  .map(([levels, hash]) => joinFilter(levels, hash || levels.length === 0))
  .filter(nonEmpty);

/** Filters that are sometimes valid and sometimes not, for the validators. */
export const anyFilterArb = fc
  .array(fc.constantFrom('a', '', '+', '#', 'a+', '#b', '$SYS', '\u0000', '\ud800'), {
    minLength: 1,
    maxLength: 4,
  })
  .map((levels) => levels.join('/'));

/**
 * A filter narrowed from `outer` (a '+' made literal, a '#' cut short or extended), so that
 * containment holds often enough for a test of it to mean something.
 */
function narrowedArb(outer: string): fc.Arbitrary<string> {
  const levelArbs = outer.split('/').map((level) => {
    if (level === '+') return fc.constantFrom('+', 'a', '$SYS', '');
    if (level === '#') {
      return fc
        .array(fc.constantFrom('a', '+', ''), { maxLength: 2 })
        .chain((tail) => fc.constantFrom([...tail, '#'], tail));
    }
    return fc.constant(level);
  });
  return fc
    .tuple(...levelArbs)
    .map((levels) => levels.flat().join('/'))
    .filter(nonEmpty);
}

export const filterPairArb = fc.oneof(
  fc.tuple(filterArb(), filterArb()),
  filterArb().chain((outer) => fc.tuple(fc.constant(outer), narrowedArb(outer))),
);

const safeIds = ['a', 'b', 'vera', '{username}'] as const;
const hostileIds = ['a/+', '+', '#', '', 'x/../b', 'a\u0000', '\ud800'] as const;

const identityArb = fc.oneof(
  { arbitrary: fc.constantFrom(...safeIds), weight: 6 },
  { arbitrary: fc.constantFrom(...hostileIds), weight: 1 },
);

export const principalArb: fc.Arbitrary<Principal> = fc.record(
  {
    kind: fc.constantFrom('device', 'user', 'service'),
    id: identityArb,
    role: fc.constantFrom('device', 'viewer', 'operator'),
    username: identityArb,
  },
  { requiredKeys: ['kind', 'id', 'role'] },
);

const subjectArb: fc.Arbitrary<RuleSubject> = fc.oneof(
  { arbitrary: fc.record({ role: fc.constantFrom('device', 'viewer', 'operator') }), weight: 3 },
  {
    arbitrary: fc.record({
      principal: fc.record({
        kind: fc.constantFrom('device', 'user', 'service'),
        id: fc.constantFrom('a', 'b', 'vera'),
      }),
    }),
    weight: 1,
  },
);

const ruleTopicArb = fc
  .tuple(fc.array(fc.constantFrom(...templateLevels), { maxLength: 3 }), fc.boolean())
  .map(([levels, hash]) => joinFilter(levels, hash || levels.length === 0))
  .filter(nonEmpty);

export const rulesArb: fc.Arbitrary<AclRule[]> = fc
  .array(
    fc.record({
      effect: fc.oneof(
        { arbitrary: fc.constant('allow' as const), weight: 3 },
        { arbitrary: fc.constant('deny' as const), weight: 1 },
      ),
      action: fc.constantFrom('publish', 'subscribe'),
      topic: ruleTopicArb,
      subject: subjectArb,
    }),
    { maxLength: 12 },
  )
  .map((rules) => rules.map((rule, i) => ({ id: `r${i}`, ...rule })));

/** Counts outcomes so a property can prove it saw both answers, never only one. */
export class OutcomeCounter {
  true = 0;
  false = 0;

  record(outcome: boolean): boolean {
    if (outcome) this.true++;
    else this.false++;
    return outcome;
  }
}
