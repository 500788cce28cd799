import { describe, expect, it } from 'vitest';
import type { RuleCore } from '../api/rules-api.ts';
import { draftOf, emptyRuleFields, fieldsOf, subjectLabel, topicProblem } from './rule-draft.ts';

const stored: RuleCore = {
  id: '0b0e6a0c-0000-4000-8000-000000000001',
  effect: 'deny',
  action: 'subscribe',
  topic: 'devices/secret/#',
  role: null,
  principal: { kind: 'user', id: 'u-42' },
  description: 'no peeking',
  builtIn: false,
};

describe('rule drafts', () => {
  it('sends a role rule with its role only', () => {
    expect(draftOf({ ...emptyRuleFields, topic: ' devices/# ' }, false)).toEqual({
      effect: 'deny',
      action: 'subscribe',
      topic: 'devices/#',
      role: 'operator',
    });
  });

  it('round-trips a principal rule through the form', () => {
    expect(draftOf(fieldsOf(stored), true)).toEqual({
      effect: 'deny',
      action: 'subscribe',
      topic: 'devices/secret/#',
      principal: { kind: 'user', id: 'u-42' },
      description: 'no peeking',
    });
  });

  it('clears the description when an edit empties it', () => {
    expect(draftOf({ ...fieldsOf(stored), description: '  ' }, true).description).toBeNull();
    expect('description' in draftOf({ ...fieldsOf(stored), description: '' }, false)).toBe(false);
  });

  it('names the subject', () => {
    expect(subjectLabel(stored)).toBe('user u-42');
    expect(subjectLabel({ role: 'viewer', principal: null })).toBe('role viewer');
  });

  it('flags an invalid topic filter as the API would, and accepts placeholders', () => {
    expect(topicProblem('devices/#/telemetry')).toMatch(/'#' other than as the whole last level/);
    expect(topicProblem('devices/pump+/x')).toMatch(/'\+' inside a level/);
    expect(topicProblem('devices/{deviceId}/telemetry')).toBeUndefined();
    expect(topicProblem('')).toBeUndefined();
  });
});
