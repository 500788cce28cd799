import { useMutation } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { usersApi, type ManagedUser } from '../api/users-api.ts';
import { useServices } from '../app/services.tsx';
import { Field } from '../ui/field.tsx';
import { ErrorState } from '../ui/states.tsx';
import { passwordProblem } from './user-input.ts';

/** A new password for one user; the form closes with what happened. */
export function PasswordForm(props: {
  user: ManagedUser;
  onDone: (message: string | undefined) => void;
}) {
  const { api } = useServices();
  const [password, setPassword] = useState('');
  const problem = passwordProblem(password);
  const reset = useMutation({
    mutationFn: () => usersApi.resetPassword(api, props.user.id, password),
    onSuccess: () => {
      props.onDone(`New password set for ${props.user.username}; their sessions ended.`);
    },
  });
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (!problem) reset.mutate();
  };
  return (
    <form
      className="inline-form password-form"
      onSubmit={submit}
      aria-label={`New password for ${props.user.username}`}
    >
      <Field label="New password" error={problem} className="grow">
        {(control) => (
          <input
            {...control}
            type="password"
            value={password}
            onChange={(event) => {
              reset.reset();
              setPassword(event.target.value);
            }}
            required
            autoComplete="new-password"
            maxLength={1024}
          />
        )}
      </Field>
      <button type="submit" className="small" disabled={reset.isPending || Boolean(problem)}>
        Set password
      </button>
      <button
        type="button"
        className="secondary small"
        onClick={() => {
          props.onDone(undefined);
        }}
      >
        Cancel
      </button>
      {reset.isError ? <ErrorState error={reset.error} title="Password not set" /> : null}
    </form>
  );
}
