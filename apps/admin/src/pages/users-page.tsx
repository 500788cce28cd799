import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { usersApi, type ManagedUser, type UserRole } from '../api/users-api.ts';
import { useCan, useServices, useSession } from '../app/services.tsx';
import { CreateUserForm } from '../users/create-user-form.tsx';
import { PasswordForm } from '../users/password-form.tsx';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { formatDateTime } from '../ui/format.ts';
import { ErrorState, ForbiddenState, LoadingState } from '../ui/states.tsx';

const ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin'];

function UserRow(props: { user: ManagedUser; isMe: boolean }) {
  const { user } = props;
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [resetting, setResetting] = useState(false);
  const [done, setDone] = useState<string>();
  const update = useMutation({
    mutationFn: (body: { role?: UserRole; disabled?: boolean }) =>
      usersApi.update(api, user.id, body),
    onSuccess: async (_user, body) => {
      setDone(
        body.role
          ? `Role changed to ${body.role}.`
          : body.disabled
            ? 'Disabled: signed out everywhere.'
            : 'Enabled.',
      );
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });
  return (
    <tr data-username={user.username}>
      <th scope="row">
        {user.username}
        {props.isMe ? <span className="muted"> (you)</span> : null}
      </th>
      <td>
        <label className="visually-hidden" htmlFor={`role-${user.id}`}>
          Role of {user.username}
        </label>
        <select
          id={`role-${user.id}`}
          value={user.role}
          disabled={update.isPending}
          onChange={(event) => {
            setDone(undefined);
            update.mutate({ role: event.target.value as UserRole });
          }}
        >
          {ROLES.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
      </td>
      <td>
        {user.disabled ? (
          <span className="badge badge-offline">disabled</span>
        ) : (
          <span className="badge badge-online">active</span>
        )}
      </td>
      <td className="muted">{formatDateTime(user.createdAt)}</td>
      <td className="row-actions">
        <div>
          {user.disabled ? (
            <button
              type="button"
              className="secondary small"
              disabled={update.isPending}
              onClick={() => {
                setDone(undefined);
                update.mutate({ disabled: false });
              }}
            >
              Enable
            </button>
          ) : (
            <ConfirmButton
              label="Disable"
              confirmLabel={`Disable ${user.username}`}
              busy={update.isPending}
              onConfirm={() => {
                setDone(undefined);
                update.mutate({ disabled: true });
              }}
            />
          )}
          {resetting ? null : (
            <button
              type="button"
              className="secondary small"
              onClick={() => {
                setDone(undefined);
                setResetting(true);
              }}
            >
              Reset password
            </button>
          )}
        </div>
        {resetting ? (
          <PasswordForm
            user={user}
            onDone={(message) => {
              setResetting(false);
              if (message) setDone(message);
            }}
          />
        ) : null}
        <div aria-live="polite">
          {update.isError ? (
            <ErrorState error={update.error} title={`${user.username} not changed`} />
          ) : null}
          {done ? <p className="note note-success">{done}</p> : null}
        </div>
      </td>
    </tr>
  );
}

/** Who may sign in, with which role: admins create, change, disable and reset users. */
export function UsersPage() {
  const { api } = useServices();
  const session = useSession();
  const canManage = useCan('users.manage');
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => usersApi.list(api),
    enabled: canManage,
  });
  if (!canManage)
    return (
      <div className="page">
        <h1>Users</h1>
        <ForbiddenState what="users" />
      </div>
    );
  return (
    <div className="page">
      <h1>Users</h1>
      <p className="muted">
        Viewers read; operators also manage devices, clients and commands; admins also edit access
        rules and users. A change of role, a disable or a new password ends that user’s current
        sessions at once.
      </p>
      <section className="card" aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        {users.isPending ? (
          <LoadingState label="Loading users…" />
        ) : users.isError ? (
          <ErrorState error={users.error} onRetry={() => void users.refetch()} />
        ) : (
          <div className="table-scroll">
            <table className="user-table">
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Role</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((user) => (
                  <UserRow key={user.id} user={user} isMe={user.id === session?.user.id} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <CreateUserForm />
    </div>
  );
}
