import { useMutation } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import {
  rulesApi,
  type ExplainRequest,
  type PrincipalKind,
  type RuleAction,
  type RuleRole,
} from '../api/rules-api.ts';
import { useServices, useSession } from '../app/services.tsx';
import { ErrorState } from '../ui/states.tsx';
import { PRINCIPAL_KINDS, subjectLabel } from './rule-draft.ts';
import { principalFor, ROLES_OF_KIND, type ExplainPrincipal } from './explain-principal.ts';
import { Field } from '../ui/field.tsx';

/** "Would this principal be allowed, and by which rule?" */
export function ExplainPanel(props: { onDecidingRule: (ruleId: string | undefined) => void }) {
  const { api } = useServices();
  const session = useSession();
  const [principal, setPrincipal] = useState<ExplainPrincipal>(() =>
    principalFor('user', session?.user),
  );
  const { kind, id, role, username } = principal;
  const [action, setAction] = useState<RuleAction>('subscribe');
  const [topic, setTopic] = useState('devices/+/telemetry');
  const explain = useMutation({
    mutationFn: (request: ExplainRequest) => rulesApi.explain(api, request),
    onSuccess: (result) => {
      props.onDecidingRule(result.decidingRule?.id);
    },
  });
  /** Any change of the question makes the last answer stale: it goes, with its highlight. */
  const changed = () => {
    explain.reset();
    props.onDecidingRule(undefined);
  };
  const change = (changes: Partial<ExplainPrincipal>) => {
    changed();
    setPrincipal((current) => ({ ...current, ...changes }));
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    explain.mutate({
      principal: {
        kind,
        id: id.trim(),
        role,
        ...(kind !== 'device' && username.trim() ? { username: username.trim() } : {}),
      },
      action,
      topic,
    });
  };
  const result = explain.data;
  return (
    <section className="card" aria-labelledby="explain-heading">
      <h2 id="explain-heading">Explain a decision</h2>
      <form className="form-grid" onSubmit={submit}>
        <div className="row">
          <Field label="Kind">
            {(control) => (
              <select
                {...control}
                value={kind}
                onChange={(event) => {
                  changed();
                  setPrincipal(principalFor(event.target.value as PrincipalKind, session?.user));
                }}
              >
                {PRINCIPAL_KINDS.map((each) => (
                  <option key={each}>{each}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Role">
            {(control) => (
              <select
                {...control}
                value={role}
                onChange={(event) => {
                  change({ role: event.target.value as RuleRole });
                }}
              >
                {ROLES_OF_KIND[kind].map((each) => (
                  <option key={each}>{each}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="row">
          <label>
            {kind === 'device' ? 'Device id' : 'Principal id'}
            <input
              value={id}
              onChange={(event) => {
                change({ id: event.target.value });
              }}
              required
              maxLength={256}
              placeholder={kind === 'device' ? 'e.g. pump-7' : undefined}
            />
          </label>
          {kind === 'user' ? (
            <label>
              Username (optional)
              <input
                value={username}
                onChange={(event) => {
                  change({ username: event.target.value });
                }}
                maxLength={256}
              />
            </label>
          ) : null}
        </div>
        <div className="row">
          <Field label="Action">
            {(control) => (
              <select
                {...control}
                value={action}
                onChange={(event) => {
                  changed();
                  setAction(event.target.value as RuleAction);
                }}
              >
                <option value="subscribe">subscribe</option>
                <option value="publish">publish</option>
              </select>
            )}
          </Field>
          <label>
            Topic or filter
            <input
              value={topic}
              onChange={(event) => {
                changed();
                setTopic(event.target.value);
              }}
              required
              spellCheck={false}
              maxLength={4096}
            />
          </label>
        </div>
        <div className="actions">
          <button type="submit" disabled={explain.isPending}>
            Explain
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {explain.isError ? <ErrorState error={explain.error} title="No explanation" /> : null}
        {result ? (
          <div
            className={result.allowed ? 'note note-success' : 'note note-danger'}
            data-testid="explain-result"
          >
            <p>
              <strong>{result.allowed ? 'Allowed' : 'Denied'}</strong>: {result.reason}
            </p>
            {result.decidingRule ? (
              <p>
                Deciding rule: <strong>{result.decidingRule.effect}</strong>{' '}
                {result.decidingRule.action} <code>{result.decidingRule.topic}</code> for{' '}
                {subjectLabel(result.decidingRule)}
                {result.decidingRule.builtIn ? ' (built-in)' : ''}
              </p>
            ) : (
              <p>No rule decided: denied by default.</p>
            )}
            {result.matchedRules.length > 1 ? (
              <details>
                <summary>All {result.matchedRules.length} matching rules</summary>
                <ul>
                  {result.matchedRules.map((rule) => (
                    <li key={rule.id}>
                      {rule.effect} {rule.action} <code>{rule.topic}</code> for {subjectLabel(rule)}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </div>
        ) : null}
      </div>
    </section>
  );
}
