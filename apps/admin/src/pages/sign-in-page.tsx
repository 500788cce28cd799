import { useState, type SubmitEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { describeError } from '../api/api-error.ts';
import { useServices, useSession } from '../app/services.tsx';

export function SignInPage() {
  const { api, config } = useServices();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (session && !busy) return <Navigate to={from} replace />;

  const submit = async (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = form.get('username');
    const password = form.get('password');
    if (typeof username !== 'string' || typeof password !== 'string') return;
    setBusy(true);
    setError(undefined);
    try {
      await api.login(username, password);
      await navigate(from, { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const problem = error === undefined ? undefined : describeError(error);
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={(event) => void submit(event)}>
        <h1>Sign in to Twinwire</h1>
        <p className="muted">Operator console for devices, live telemetry and access rules.</p>
        <label>
          Username
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {problem ? (
          <div className="state state-error" role="alert">
            <p>{problem.message}</p>
            <p className="hint">{problem.hint}</p>
          </div>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small-text">API: {config.apiBaseUrl}</p>
      </form>
    </main>
  );
}
