/** The problems of one rule, as returned by `validateRule`. */
export interface RuleProblems {
  /** Position in the rule list given to `compileAcl`. */
  readonly index: number;
  readonly ruleId: string | undefined;
  readonly problems: readonly string[];
}

/** Thrown by `compileAcl` so a bad rule set is rejected whole instead of partly enforced. */
export class InvalidAclRulesError extends Error {
  readonly code = 'TWW_ACL_INVALID_RULES';
  readonly rules: readonly RuleProblems[];

  constructor(rules: readonly RuleProblems[]) {
    const details = rules
      .map(({ index, ruleId, problems }) => {
        const name = ruleId === undefined ? `rule #${index}` : `rule ${ruleId}`;
        return `${name}: ${problems.join('; ')}`;
      })
      .join('\n');
    super(`${rules.length} ACL rule(s) cannot be used:\n${details}`);
    this.name = 'InvalidAclRulesError';
    this.rules = rules;
  }
}
