import { useState, type SubmitEvent } from 'react';
import type { RuleDraft } from '../api/rules-api.ts';
import { ErrorState } from '../ui/states.tsx';
import {
  draftOf,
  PRINCIPAL_KINDS,
  RULE_ROLES,
  topicProblem,
  type RuleFields,
} from './rule-draft.ts';
import { Field } from '../ui/field.tsx';

/** Adds a rule, or edits one when `editingId` is given. */
export function RuleForm(props: {
  initial: RuleFields;
  editingId: string | undefined;
  busy: boolean;
  error: unknown;
  onSubmit: (draft: RuleDraft) => void;
  /** The draft changed: an error about the previous one no longer applies. */
  onEdit: () => void;
  onCancel?: () => void;
}) {
  const [fields, setFields] = useState(props.initial);
  const filterProblem = topicProblem(fields.topic);
  const set = <K extends keyof RuleFields>(key: K, value: RuleFields[K]) => {
    props.onEdit();
    setFields((current) => ({ ...current, [key]: value }));
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (filterProblem) return;
    props.onSubmit(draftOf(fields, props.editingId !== undefined));
  };
  const heading = props.editingId ? 'Edit rule' : 'Add a rule';
  return (
    <form className="card form-grid rule-form" onSubmit={submit} aria-label={heading}>
      <h2>{heading}</h2>
      <div className="row">
        <Field label="Effect">
          {(control) => (
            <select
              {...control}
              value={fields.effect}
              onChange={(event) => {
                set('effect', event.target.value as RuleFields['effect']);
              }}
            >
              <option value="allow">allow</option>
              <option value="deny">deny</option>
            </select>
          )}
        </Field>
        <Field label="Action">
          {(control) => (
            <select
              {...control}
              value={fields.action}
              onChange={(event) => {
                set('action', event.target.value as RuleFields['action']);
              }}
            >
              <option value="subscribe">subscribe</option>
              <option value="publish">publish</option>
            </select>
          )}
        </Field>
      </div>
      <Field
        label="Topic filter"
        help="+ and # wildcards; {deviceId} and {username} stand for the one asking."
        error={filterProblem}
      >
        {(control) => (
          <input
            {...control}
            value={fields.topic}
            onChange={(event) => {
              set('topic', event.target.value);
            }}
            required
            maxLength={1024}
            spellCheck={false}
            placeholder="devices/{deviceId}/telemetry"
          />
        )}
      </Field>
      <fieldset>
        <legend>Applies to</legend>
        <label className="inline">
          <input
            type="radio"
            name="subject"
            checked={fields.subject === 'role'}
            onChange={() => {
              set('subject', 'role');
            }}
          />
          Everyone with a role
        </label>
        <label className="inline">
          <input
            type="radio"
            name="subject"
            checked={fields.subject === 'principal'}
            onChange={() => {
              set('subject', 'principal');
            }}
          />
          One principal
        </label>
      </fieldset>
      {fields.subject === 'role' ? (
        <Field label="Role">
          {(control) => (
            <select
              {...control}
              value={fields.role}
              onChange={(event) => {
                set('role', event.target.value as RuleFields['role']);
              }}
            >
              {RULE_ROLES.map((role) => (
                <option key={role}>{role}</option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <div className="row">
          <Field label="Kind">
            {(control) => (
              <select
                {...control}
                value={fields.principalKind}
                onChange={(event) => {
                  set('principalKind', event.target.value as RuleFields['principalKind']);
                }}
              >
                {PRINCIPAL_KINDS.map((kind) => (
                  <option key={kind}>{kind}</option>
                ))}
              </select>
            )}
          </Field>
          <label>
            Id
            <input
              value={fields.principalId}
              onChange={(event) => {
                set('principalId', event.target.value);
              }}
              required
              maxLength={256}
              placeholder="user id, device id or service name"
            />
          </label>
        </div>
      )}
      <label>
        Description
        <input
          value={fields.description}
          onChange={(event) => {
            set('description', event.target.value);
          }}
          maxLength={500}
          placeholder="Why this rule exists"
        />
      </label>
      {props.error ? <ErrorState error={props.error} title="Rule not saved" /> : null}
      <div className="actions">
        <button type="submit" disabled={props.busy || filterProblem !== undefined}>
          {props.editingId ? 'Save rule' : 'Add rule'}
        </button>
        {props.onCancel ? (
          <button type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
