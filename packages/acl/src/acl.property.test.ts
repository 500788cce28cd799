import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OutcomeCounter,
  principalArb,
  requestFilterArb,
  rulesArb,
  topicArb,
} from '../test/arbitraries.ts';
import { compileAcl } from './acl.ts';
import { bruteForceFilterContains, bruteForceFiltersOverlap, createNaiveAcl } from './naive.ts';

const RUNS = { numRuns: 2000 };
const SLOW = 120_000;

/** Several requests per rule set, so each compiled ACL is exercised more than once. */
const publishCaseArb = fc.tuple(
  rulesArb,
  fc.array(fc.tuple(principalArb, topicArb), { minLength: 1, maxLength: 8 }),
);
const subscribeCaseArb = fc.tuple(
  rulesArb,
  fc.array(fc.tuple(principalArb, requestFilterArb), { minLength: 1, maxLength: 8 }),
);

function expectBothOutcomes(counter: OutcomeCounter, minimum: number): void {
  expect(counter.true).toBeGreaterThanOrEqual(minimum);
  expect(counter.false).toBeGreaterThanOrEqual(minimum);
}

describe('compiled ACL against the naive reference', () => {
  it.each([
    { action: 'publish', cases: publishCaseArb },
    { action: 'subscribe', cases: subscribeCaseArb },
  ] as const)(
    'authorize and explain decide every $action like the linear scan',
    ({ action, cases }) => {
      const outcomes = new OutcomeCounter();
      let deniedByRule = 0;
      let refusedIdentity = 0;
      fc.assert(
        fc.property(cases, ([rules, requests]) => {
          const acl = compileAcl(rules);
          const naive = createNaiveAcl(rules);
          const [decide, reference] =
            action === 'publish'
              ? [acl.authorizePublish, naive.authorizePublish]
              : [acl.authorizeSubscribe, naive.authorizeSubscribe];
          for (const [principal, topicOrFilter] of requests) {
            const expected = outcomes.record(reference(principal, topicOrFilter));
            expect(decide(principal, topicOrFilter)).toBe(expected);
            const explanation = acl.explain(principal, action, topicOrFilter);
            expect(explanation.allowed).toBe(expected);
            if (explanation.reason.startsWith('denied by rule')) deniedByRule++;
            if (explanation.reason.startsWith('refused: identity')) refusedIdentity++;
          }
        }),
        RUNS,
      );
      expectBothOutcomes(outcomes, 500);
      expect(deniedByRule).toBeGreaterThan(100);
      expect(refusedIdentity).toBeGreaterThan(50);
    },
  );

  it(
    'authorizeSubscribe agrees with a reference that decides containment and overlap by enumeration',
    () => {
      const outcomes = new OutcomeCounter();
      const relations = { contains: bruteForceFilterContains, overlaps: bruteForceFiltersOverlap };
      fc.assert(
        fc.property(subscribeCaseArb, ([rules, requests]) => {
          const acl = compileAcl(rules);
          const naive = createNaiveAcl(rules, relations);
          for (const [principal, filter] of requests) {
            const expected = outcomes.record(naive.authorizeSubscribe(principal, filter));
            expect(acl.authorizeSubscribe(principal, filter)).toBe(expected);
          }
        }),
        { numRuns: 1000 },
      );
      expectBothOutcomes(outcomes, 200);
    },
    SLOW,
  );

  it('a subscription to a topic name is allowed exactly when publishing-style matching would deliver it', () => {
    const outcomes = new OutcomeCounter();
    fc.assert(
      fc.property(rulesArb, principalArb, topicArb, (rules, principal, topic) => {
        const subscribeRules = rules.filter((rule) => rule.action === 'subscribe');
        const asPublish = subscribeRules.map((rule) => ({ ...rule, action: 'publish' as const }));
        const expected = outcomes.record(compileAcl(asPublish).authorizePublish(principal, topic));
        expect(compileAcl(subscribeRules).authorizeSubscribe(principal, topic)).toBe(expected);
      }),
      RUNS,
    );
    expectBothOutcomes(outcomes, 100);
  });

  it('explain lists a deciding rule from the matched rules whenever a rule decided', () => {
    let decided = 0;
    fc.assert(
      fc.property(rulesArb, principalArb, topicArb, (rules, principal, topic) => {
        const explanation = compileAcl(rules).explain(principal, 'publish', topic);
        if (explanation.decidingRule === null || explanation.reason.startsWith('refused')) return;
        decided++;
        expect(explanation.matchedRules).toContain(explanation.decidingRule);
        expect(explanation.decidingRule.effect).toBe(explanation.allowed ? 'allow' : 'deny');
        expect(explanation.reason).toContain(explanation.decidingRule.id);
      }),
      RUNS,
    );
    expect(decided).toBeGreaterThan(200);
  });
});
