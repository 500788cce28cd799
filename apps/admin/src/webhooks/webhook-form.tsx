import { useState } from 'react';
import type { WebhookInput } from '../api/webhooks-api.ts';
import { Field } from '../ui/field.tsx';
import { WEBHOOK_EVENTS, webhookFromDraft, type WebhookDraft } from './webhook-draft.ts';

/**
 * A destination's name, URL, events and enabled flag, checked in the browser first; the API
 * has the last word (its refusal is shown by the caller, and the draft is kept).
 */
export function WebhookForm(props: {
  label: string;
  initial: WebhookDraft;
  submitLabel: string;
  busy: boolean;
  onSubmit: (webhook: WebhookInput) => void;
  /** Any edit: the caller drops an outcome that no longer describes the draft. */
  onEdit?: () => void;
  onCancel?: () => void;
}) {
  const [draft, setDraft] = useState<WebhookDraft>(props.initial);
  const [problem, setProblem] = useState<string>();
  const set = <K extends keyof WebhookDraft>(key: K, value: WebhookDraft[K]) => {
    setProblem(undefined);
    props.onEdit?.();
    setDraft((current) => ({ ...current, [key]: value }));
  };
  return (
    <form
      className="form-grid"
      aria-label={props.label}
      // The draft's own check names the problem; the browser's popup for type=url would not.
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const built = webhookFromDraft(draft);
        if ('problem' in built) {
          setProblem(built.problem);
          return;
        }
        props.onSubmit(built.webhook);
      }}
    >
      <div className="row">
        <Field label="Name">
          {(control) => (
            <input
              {...control}
              value={draft.name}
              maxLength={200}
              onChange={(event) => {
                set('name', event.target.value);
              }}
            />
          )}
        </Field>
        <Field label="URL" help="Events are POSTed here as signed JSON.">
          {(control) => (
            <input
              {...control}
              type="url"
              value={draft.url}
              maxLength={2048}
              placeholder="https://hooks.example.com/twinwire"
              onChange={(event) => {
                set('url', event.target.value);
              }}
            />
          )}
        </Field>
      </div>
      <fieldset className="metric-toggles">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event.value} className="inline">
            <input
              type="checkbox"
              checked={draft.events.has(event.value)}
              onChange={(change) => {
                const next = new Set(draft.events);
                if (change.target.checked) next.add(event.value);
                else next.delete(event.value);
                set('events', next);
              }}
            />
            {event.label}
          </label>
        ))}
      </fieldset>
      <label className="inline">
        <input
          type="checkbox"
          checked={draft.enabled}
          onChange={(event) => {
            set('enabled', event.target.checked);
          }}
        />
        Enabled (a disabled destination’s events wait until it is enabled again)
      </label>
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={props.busy}>
          {props.submitLabel}
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
