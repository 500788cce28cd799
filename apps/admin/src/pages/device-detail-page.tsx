import { isValidDeviceId } from '@twinwire/schemas/topics';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/api-error.ts';
import { devicesApi } from '../api/devices-api.ts';
import { useCan, useServices } from '../app/services.tsx';
import { CommandForm } from '../devices/command-form.tsx';
import { CredentialsPanel } from '../devices/credentials-panel.tsx';
import { DeviceEditForm } from '../devices/device-edit-form.tsx';
import { unitsOf } from '../charts/metric-units.ts';
import { connectionLabel } from '../devices/connection-label.ts';
import { LastSeen, OnlineBadge } from '../devices/device-table.tsx';
import { TelemetryPanel } from '../devices/telemetry-panel.tsx';
import { useLiveDeviceStatus } from '../devices/use-live-device-status.ts';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { formatDateTime } from '../ui/format.ts';
import { useNow } from '../ui/use-now.ts';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';

function DeviceDetail(props: { deviceId: string }) {
  const { deviceId } = props;
  const { api } = useServices();
  const canWrite = useCan('devices.write');
  const canCommand = useCan('commands.send');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { statuses } = useLiveDeviceStatus();
  const [editing, setEditing] = useState(false);
  // Ticks, so "last seen" moves on (and a time captured at mount never reads as future).
  const now = useNow();
  const device = useQuery({
    queryKey: ['devices', deviceId],
    queryFn: () => devicesApi.get(api, deviceId),
    refetchInterval: 30_000,
  });
  const remove = useMutation({
    mutationFn: () => devicesApi.remove(api, deviceId),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: ['devices', deviceId] });
      await queryClient.invalidateQueries({ queryKey: ['devices'] });
      await navigate('/devices', { replace: true });
    },
  });

  if (device.isPending) return <LoadingState label={`Loading ${deviceId}…`} />;
  if (device.isError) {
    if (device.error instanceof ApiError && device.error.kind === 'not-found')
      return (
        <EmptyState title={`No device ${deviceId}`}>
          <p>
            It may have been deleted. <Link to="/devices">Back to devices</Link>
          </p>
        </EmptyState>
      );
    return <ErrorState error={device.error} onRetry={() => void device.refetch()} />;
  }
  const live = statuses.get(deviceId);
  const view = device.data;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="breadcrumb">
            <Link to="/devices">Devices</Link> /
          </p>
          <h1>{view.name}</h1>
        </div>
        {canWrite ? (
          <div className="actions">
            {editing ? null : (
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setEditing(true);
                }}
              >
                Edit device
              </button>
            )}
            <ConfirmButton
              label="Delete device"
              confirmLabel={`Delete ${deviceId} and its credentials`}
              busy={remove.isPending}
              onConfirm={() => {
                remove.mutate();
              }}
            />
          </div>
        ) : null}
      </div>
      {remove.isError ? <ErrorState error={remove.error} title="Not deleted" /> : null}
      {editing ? (
        <DeviceEditForm
          device={view}
          onClose={() => {
            setEditing(false);
          }}
        />
      ) : null}
      <dl className="facts facts-inline card">
        <div>
          <dt>Id</dt>
          <dd>
            <code>{view.id}</code>
          </dd>
        </div>
        <div>
          <dt>State</dt>
          <dd data-testid="device-state">
            <OnlineBadge online={live?.online ?? view.online} />
          </dd>
        </div>
        <div>
          <dt>Protocol</dt>
          <dd>{live?.protocol ?? view.lastProtocol ?? '—'}</dd>
        </div>
        <div>
          <dt>MQTT version</dt>
          <dd data-testid="device-mqtt-version">
            {connectionLabel(view.connection, live?.online)}
          </dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>
            {live?.online ? (
              'now'
            ) : (
              <LastSeen
                at={live ? new Date(live.since).toISOString() : view.lastSeenAt}
                now={now}
              />
            )}
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(view.createdAt)}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd data-testid="device-tags">
            {view.tags.length === 0 ? (
              <span className="muted">none</span>
            ) : (
              view.tags.map((tag) => (
                <Link key={tag} className="tag" to={`/devices?tag=${encodeURIComponent(tag)}`}>
                  {tag}
                </Link>
              ))
            )}
          </dd>
        </div>
      </dl>
      <TelemetryPanel deviceId={deviceId} units={unitsOf(view.metadata)} />
      <div className="columns">
        {canCommand ? <CommandForm deviceId={deviceId} /> : null}
        <CredentialsPanel deviceId={deviceId} />
      </div>
    </>
  );
}

export function DeviceDetailPage() {
  const { id = '' } = useParams();
  return (
    <div className="page">
      {isValidDeviceId(id) ? (
        <DeviceDetail key={id} deviceId={id} />
      ) : (
        <EmptyState title="Not a device id">
          <p>
            <code>{id}</code> cannot be a device id. <Link to="/devices">Back to devices</Link>
          </p>
        </EmptyState>
      )}
    </div>
  );
}
