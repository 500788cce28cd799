import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { devicesApi, type IssuedCredential } from '../api/devices-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { formatDateTime } from '../ui/format.ts';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';
import { CredentialReveal } from './credential-reveal.tsx';

export function CredentialsPanel(props: { deviceId: string }) {
  const { api } = useServices();
  const canWrite = useCan('devices.write');
  const queryClient = useQueryClient();
  const [issued, setIssued] = useState<IssuedCredential>();
  const queryKey = ['devices', props.deviceId, 'credentials'];
  const credentials = useQuery({
    queryKey,
    queryFn: () => devicesApi.credentials(api, props.deviceId),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey });
  const issue = useMutation({
    mutationFn: () => devicesApi.issueCredential(api, props.deviceId),
    onSuccess: async (credential) => {
      setIssued(credential);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (credentialId: string) =>
      devicesApi.revokeCredential(api, props.deviceId, credentialId),
    onSettled: refresh,
  });

  return (
    <section className="card" aria-labelledby="credentials-heading">
      <div className="section-head">
        <h2 id="credentials-heading">Credentials</h2>
        {canWrite && !issued ? (
          <button
            type="button"
            className="secondary small"
            disabled={issue.isPending}
            onClick={() => {
              issue.mutate();
            }}
          >
            Issue new credential
          </button>
        ) : null}
      </div>
      {issued ? (
        <CredentialReveal
          credential={issued}
          onDone={() => {
            setIssued(undefined);
          }}
        />
      ) : null}
      {issue.isError ? <ErrorState error={issue.error} title="No credential issued" /> : null}
      {revoke.isError ? <ErrorState error={revoke.error} title="Not revoked" /> : null}
      {credentials.isPending ? (
        <LoadingState label="Loading credentials…" />
      ) : credentials.isError ? (
        <ErrorState error={credentials.error} onRetry={() => void credentials.refetch()} />
      ) : credentials.data.items.length === 0 ? (
        <EmptyState title="No credentials">
          <p className="muted">The device cannot connect until it has one.</p>
        </EmptyState>
      ) : (
        <ul className="credential-list">
          {credentials.data.items.map((credential) => (
            <li key={credential.id}>
              <code title={credential.id}>{credential.id.slice(0, 8)}</code>
              <span className="muted"> issued {formatDateTime(credential.createdAt)}</span>
              {credential.revokedAt ? (
                <span className="badge badge-offline">
                  revoked {formatDateTime(credential.revokedAt)}
                </span>
              ) : canWrite ? (
                <ConfirmButton
                  label="Revoke"
                  confirmLabel={`Revoke credential ${credential.id.slice(0, 8)}`}
                  busy={revoke.isPending}
                  onConfirm={() => {
                    revoke.mutate(credential.id);
                  }}
                />
              ) : (
                <span className="badge badge-online">active</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
