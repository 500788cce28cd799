import { expect } from 'vitest';
import { compileAcl } from '../src/acl.ts';
import { defaultRules } from '../src/default-rules.ts';
import type { AclRule, Action, Principal } from '../src/rules.ts';

/** One named decision: the rules (default rules unless given), the request and the outcome. */
export interface Case {
  name: string;
  rules?: readonly AclRule[];
  principal: Principal;
  action: Action;
  request: string;
  allowed: boolean;
  /** The deciding rule's id, or null for deny by default / refused requests. */
  decidedBy?: string | null;
  reason?: string;
}

/** Checks authorize* and explain agree with the expected outcome. */
export function check({
  rules = defaultRules,
  principal,
  action,
  request,
  allowed,
  decidedBy,
  reason,
}: Case) {
  const acl = compileAcl(rules);
  const decision =
    action === 'publish'
      ? acl.authorizePublish(principal, request)
      : acl.authorizeSubscribe(principal, request);
  const explanation = acl.explain(principal, action, request);
  expect(decision).toBe(allowed);
  expect(explanation.allowed).toBe(allowed);
  if (decidedBy !== undefined) expect(explanation.decidingRule?.id ?? null).toBe(decidedBy);
  if (reason !== undefined) expect(explanation.reason).toContain(reason);
}
