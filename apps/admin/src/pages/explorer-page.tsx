import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { useSearchParams } from 'react-router';
import { filterProblem } from '../explorer/filter-problem.ts';
import type { LiveMessage } from '../live/live-connection.ts';
import { useLiveSubscription } from '../live/use-live.ts';
import { formatTime } from '../ui/format.ts';
import { Field } from '../ui/field.tsx';
import { EmptyState, LoadingState } from '../ui/states.tsx';

const KEEP = 500;
const FLUSH_MS = 250;
const MAX_PAYLOAD_CHARS = 2000;

interface Row {
  key: number;
  topic: string;
  receivedAt: number | undefined;
  text: string;
}

function payloadText(payload: unknown): string {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return text.length > MAX_PAYLOAD_CHARS ? `${text.slice(0, MAX_PAYLOAD_CHARS)}…` : text;
}

/** One subscription's messages, newest first, redrawn a few times a second at most. */
function MessageStream(props: { filter: string }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [paused, setPaused] = useState(false);
  const [total, setTotal] = useState(0);
  const incoming = useRef<Row[]>([]);
  const counter = useRef(0);
  const subscription = useLiveSubscription(props.filter, {
    fresh: true,
    onMessage: (message: LiveMessage) => {
      counter.current += 1;
      incoming.current.push({
        key: counter.current,
        topic: message.topic,
        receivedAt: message.receivedAt,
        text: payloadText(message.payload),
      });
      if (incoming.current.length > KEEP)
        incoming.current.splice(0, incoming.current.length - KEEP);
    },
  });

  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => {
      if (incoming.current.length === 0) return;
      const fresh = incoming.current.reverse();
      incoming.current = [];
      setRows((current) => [...fresh, ...current].slice(0, KEEP));
      setTotal(counter.current);
    }, FLUSH_MS);
    return () => {
      clearInterval(timer);
    };
  }, [paused]);

  const { state } = subscription;
  if (state.phase === 'refused')
    return (
      <div className="state state-error" role="alert" data-testid="explorer-refused">
        <p className="state-title">Subscription refused</p>
        <p>{state.notice.message}</p>
        <p className="hint">
          {state.notice.code === 'TWW_ACL_DENIED'
            ? 'Your access rules do not cover this filter; try a narrower one, or ask an admin.'
            : 'Correct the filter and subscribe again.'}
        </p>
      </div>
    );
  return (
    <section aria-labelledby="stream-heading">
      <div className="section-head">
        <h2 id="stream-heading">
          {state.phase === 'subscribed' ? 'Streaming' : 'Subscribing to'}{' '}
          <code>{props.filter}</code>
        </h2>
        <div className="actions">
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setPaused(!paused);
            }}
          >
            {paused ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setRows([]);
            }}
          >
            Clear
          </button>
        </div>
      </div>
      <p className="muted" aria-live="polite">
        {total} messages received{paused ? ' · paused (new messages wait)' : ''}
      </p>
      {subscription.notice ? (
        <p className="note note-warning" role="status">
          {subscription.notice.message}
        </p>
      ) : null}
      {state.phase === 'pending' ? (
        <LoadingState label="Waiting for the broker to grant it…" />
      ) : null}
      {state.phase === 'subscribed' && rows.length === 0 ? (
        <EmptyState title="No messages yet">
          <p className="muted">Messages on matching topics appear here as they are published.</p>
        </EmptyState>
      ) : null}
      <ol className="message-list" data-testid="explorer-messages">
        {rows.map((row) => (
          <li key={row.key}>
            <div className="message-meta">
              <span className="muted">
                {row.receivedAt === undefined ? 'history' : formatTime(row.receivedAt)}
              </span>
              <code className="topic">{row.topic}</code>
            </div>
            <pre>
              <code>{row.text}</code>
            </pre>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function ExplorerPage() {
  const [params, setParams] = useSearchParams();
  const active = params.get('filter');
  const [draft, setDraft] = useState(active ?? 'devices/#');
  const [attempt, setAttempt] = useState(0);
  const problem = filterProblem(draft);

  const subscribe = (event: SubmitEvent) => {
    event.preventDefault();
    if (problem) return;
    setAttempt((value) => value + 1);
    setParams({ filter: draft }, { replace: true });
  };

  return (
    <div className="page">
      <h1>Topic explorer</h1>
      <p className="muted">
        Watch messages on any MQTT topic filter your access rules allow: <code>+</code> matches one
        level, <code>#</code> the rest.
      </p>
      <form className="inline-form" onSubmit={subscribe}>
        <Field
          label="Topic filter"
          className="grow"
          help="Examples: devices/+/telemetry, devices/pump-1/#, devices/+/errors."
          error={problem}
        >
          {(control) => (
            <input
              {...control}
              value={draft}
              onChange={(event) => {
                setDraft(event.target.value);
              }}
              spellCheck={false}
            />
          )}
        </Field>
        <button type="submit" disabled={problem !== undefined}>
          Subscribe
        </button>
        {active ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setParams({}, { replace: true });
            }}
          >
            Unsubscribe
          </button>
        ) : null}
      </form>
      {active ? (
        <MessageStream key={`${active}#${attempt}`} filter={active} />
      ) : (
        <EmptyState title="Not subscribed">
          <p className="muted">Enter a filter and subscribe to start watching.</p>
        </EmptyState>
      )}
    </div>
  );
}
