import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { usersApi, type UserRole } from '../api/users-api.ts';
import { useServices } from '../app/services.tsx';
import { Field } from '../ui/field.tsx';
import { ErrorState } from '../ui/states.tsx';
import { passwordProblem, usernameProblem } from './user-input.ts';

export function CreateUserForm() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<UserRole>('viewer');
  const [created, setCreated] = useState<string>();
  const nameProblem = usernameProblem(username);
  const passwordIssue = passwordProblem(password);
  const create = useMutation({
    mutationFn: () => usersApi.create(api, { username: username.trim(), password, role }),
    onSuccess: async (user) => {
      setCreated(`${user.username} can now sign in as ${user.role}.`);
      setUsername('');
      setPassword('');
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  // Any edit makes the last outcome stale: it no longer describes what the form holds.
  const edited = () => {
    setCreated(undefined);
    create.reset();
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (!nameProblem && !passwordIssue) create.mutate();
  };
  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="new-user-heading">
      <h2 id="new-user-heading">New user</h2>
      <div className="row">
        <Field label="Username" error={nameProblem}>
          {(control) => (
            <input
              {...control}
              value={username}
              onChange={(event) => {
                edited();
                setUsername(event.target.value);
              }}
              required
              maxLength={128}
              autoComplete="off"
            />
          )}
        </Field>
        <Field label="Role">
          {(control) => (
            <select
              {...control}
              value={role}
              onChange={(event) => {
                edited();
                setRole(event.target.value as UserRole);
              }}
            >
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
      </div>
      <Field
        label="Initial password"
        help="At least 12 characters; tell it to the user over another channel."
        error={passwordIssue}
      >
        {(control) => (
          <input
            {...control}
            type="password"
            value={password}
            onChange={(event) => {
              edited();
              setPassword(event.target.value);
            }}
            required
            autoComplete="new-password"
            maxLength={1024}
          />
        )}
      </Field>
      <div aria-live="polite">
        {create.isError ? <ErrorState error={create.error} title="User not created" /> : null}
        {created ? <p className="note note-success">{created}</p> : null}
      </div>
      <div className="actions">
        <button
          type="submit"
          disabled={create.isPending || Boolean(nameProblem) || Boolean(passwordIssue)}
        >
          Create user
        </button>
      </div>
    </form>
  );
}
