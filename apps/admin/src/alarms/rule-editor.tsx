import { useState } from 'react';
import type { AlarmRuleInput } from '@twinwire/schemas/alarms';
import { Field } from '../ui/field.tsx';
import { emptyRuleDraft, ruleFromDraft, type RuleDraft } from './rule-draft.ts';

const OPERATORS: readonly { value: RuleDraft['op']; label: string }[] = [
  { value: '>', label: '>' },
  { value: '>=', label: '≥' },
  { value: '<', label: '<' },
  { value: '<=', label: '≤' },
  { value: '==', label: '=' },
  { value: '!=', label: '≠' },
  { value: 'between', label: 'between' },
  { value: 'outside', label: 'outside' },
  { value: 'no_data', label: 'no reading for (s)' },
];

/** The form that creates an alarm rule; the API has the last word (its 400 is shown above). */
export function RuleEditor(props: { busy: boolean; onSubmit: (rule: AlarmRuleInput) => void }) {
  const [draft, setDraft] = useState<RuleDraft>(emptyRuleDraft);
  const [problem, setProblem] = useState<string>();
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => {
    setDraft((current) => ({ ...current, [key]: value }));
  };
  const ranged = draft.op === 'between' || draft.op === 'outside';
  return (
    <form
      className="rule-editor"
      aria-label="New alarm rule"
      onSubmit={(event) => {
        event.preventDefault();
        const built = ruleFromDraft(draft);
        if ('problem' in built) {
          setProblem(built.problem);
          return;
        }
        setProblem(undefined);
        props.onSubmit(built.rule);
      }}
    >
      <Field label="Name">
        {(control) => (
          <input
            {...control}
            value={draft.name}
            maxLength={200}
            onChange={(e) => {
              set('name', e.target.value);
            }}
          />
        )}
      </Field>
      <Field label="Devices">
        {(control) => (
          <select
            {...control}
            value={draft.scope}
            onChange={(e) => {
              set('scope', e.target.value as RuleDraft['scope']);
            }}
          >
            <option value="all">All devices</option>
            <option value="device">One device</option>
            <option value="tag">Devices with a tag</option>
          </select>
        )}
      </Field>
      {draft.scope === 'all' ? null : (
        <Field label={draft.scope === 'device' ? 'Device id' : 'Tag'}>
          {(control) => (
            <input
              {...control}
              value={draft.target}
              onChange={(e) => {
                set('target', e.target.value);
              }}
            />
          )}
        </Field>
      )}
      {draft.op === 'no_data' ? null : (
        <Field label="Metric">
          {(control) => (
            <input
              {...control}
              value={draft.metric}
              maxLength={128}
              onChange={(e) => {
                set('metric', e.target.value);
              }}
            />
          )}
        </Field>
      )}
      <Field label="Condition">
        {(control) => (
          <select
            {...control}
            value={draft.op}
            onChange={(e) => {
              set('op', e.target.value as RuleDraft['op']);
            }}
          >
            {OPERATORS.map((operator) => (
              <option key={operator.value} value={operator.value}>
                {operator.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={ranged ? 'Low' : draft.op === 'no_data' ? 'Seconds' : 'Value'}>
        {(control) => (
          <input
            {...control}
            value={draft.value}
            onChange={(e) => {
              set('value', e.target.value);
            }}
          />
        )}
      </Field>
      {ranged ? (
        <Field label="High">
          {(control) => (
            <input
              {...control}
              value={draft.high}
              onChange={(e) => {
                set('high', e.target.value);
              }}
            />
          )}
        </Field>
      ) : null}
      <Field label="Raise after (s)" help="how long the condition must hold">
        {(control) => (
          <input
            {...control}
            inputMode="numeric"
            value={draft.raiseAfterS}
            onChange={(e) => {
              set('raiseAfterS', e.target.value);
            }}
          />
        )}
      </Field>
      <Field label="Clear after (s)" help="how long it must stop holding">
        {(control) => (
          <input
            {...control}
            inputMode="numeric"
            value={draft.clearAfterS}
            onChange={(e) => {
              set('clearAfterS', e.target.value);
            }}
          />
        )}
      </Field>
      <Field label="Severity">
        {(control) => (
          <select
            {...control}
            value={draft.severity}
            onChange={(e) => {
              set('severity', e.target.value as RuleDraft['severity']);
            }}
          >
            <option value="info">info</option>
            <option value="warning">warning</option>
            <option value="critical">critical</option>
          </select>
        )}
      </Field>
      <Field label="Message" help="{device}, {metric}, {value} and {rule} are filled in">
        {(control) => (
          <input
            {...control}
            value={draft.message}
            maxLength={1000}
            onChange={(e) => {
              set('message', e.target.value);
            }}
          />
        )}
      </Field>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <button type="submit" disabled={props.busy}>
        Create rule
      </button>
    </form>
  );
}
