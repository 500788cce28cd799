import type { ReactNode } from 'react';
import { describeError } from '../api/api-error.ts';

export function LoadingState(props: { label: string }) {
  return (
    <p className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {props.label}
    </p>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** An error with what to do about it, and a retry when one makes sense. */
export function ErrorState(props: { error: unknown; title?: string; onRetry?: () => void }) {
  const { message, hint } = describeError(props.error);
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{props.title ?? 'Something went wrong'}</p>
      <p>{message}</p>
      <p className="hint">{hint}</p>
      {props.onRetry ? (
        <button type="button" onClick={props.onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function ForbiddenState(props: { what: string }) {
  return (
    <div className="state state-empty" role="note">
      <p className="state-title">Your role may not see {props.what}</p>
      <p className="hint">Ask an admin for the operator or admin role.</p>
    </div>
  );
}
