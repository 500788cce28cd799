import { Link } from 'react-router';
import { useCan } from '../app/services.tsx';
import { useLiveDeviceStatus } from '../devices/use-live-device-status.ts';
import type { LiveSubscriptionState } from '../live/use-live.ts';
import { onlineByProtocol } from '../overview/fleet-status.ts';
import { useIngestStats } from '../overview/use-ingest-stats.ts';
import { FLEET_LIMIT, useFleet } from '../overview/use-fleet.ts';
import { useRecentErrors } from '../overview/use-recent-errors.ts';
import { formatDuration, formatNumber, formatTime } from '../ui/format.ts';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';

function LiveNote(props: { live: LiveSubscriptionState; what: string }) {
  const { state } = props.live;
  if (state.phase === 'refused')
    return (
      <p className="note note-warning" role="note">
        Cannot stream {props.what}: {state.notice.message}
      </p>
    );
  if (state.phase === 'pending') return <p className="muted">Connecting to the live stream…</p>;
  return null;
}

export function OverviewPage() {
  const fleet = useFleet();
  const status = useLiveDeviceStatus();
  const ingest = useIngestStats();
  const canWatchErrors = useCan('errors.watch');
  const recent = useRecentErrors(canWatchErrors);
  const counts = fleet.data ? onlineByProtocol(fleet.data.devices, status.statuses) : undefined;
  const { snapshot } = ingest;

  return (
    <div className="page">
      <h1>Overview</h1>
      <section className="stats" aria-label="Fleet at a glance">
        <div className="stat">
          <span className="stat-label">Devices online</span>
          <span className="stat-value" data-testid="online-count">
            {counts ? `${counts.online} / ${counts.total}` : '…'}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Readings/s in</span>
          <span className="stat-value" data-testid="readings-per-second">
            {formatNumber(snapshot.readingsPerSecond)}
          </span>
          <span className="stat-detail">over the last {formatDuration(snapshot.windowMs)}</span>
        </div>
        <div className="stat">
          <span className="stat-label" id="delay-label">
            Delivery delay (p50)
          </span>
          <span className="stat-value" data-testid="delivery-delay">
            {snapshot.lagMs ? formatDuration(snapshot.lagMs.p50) : '—'}
          </span>
          <span className="stat-detail">
            {snapshot.lagMs
              ? `p95 ${formatDuration(snapshot.lagMs.p95)} · max ${formatDuration(snapshot.lagMs.max)}`
              : 'no readings in the window'}
          </span>
          <span className="stat-detail" data-testid="delay-explained">
            Device clock → API, from each message’s newest reading
            {snapshot.batchedShare > 0
              ? `; ${Math.round(snapshot.batchedShare * 100)} % of readings came in batches (their older points are not counted)`
              : ''}
            .
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Recent errors</span>
          <span className="stat-value">{canWatchErrors ? recent.errors.length : '—'}</span>
          <span className="stat-detail">since this page opened</span>
        </div>
      </section>
      <LiveNote live={ingest.live} what="telemetry" />

      <div className="columns">
        <section className="card" aria-labelledby="by-protocol">
          <h2 id="by-protocol">Devices by protocol</h2>
          {fleet.isPending ? (
            <LoadingState label="Loading devices…" />
          ) : fleet.isError ? (
            <ErrorState error={fleet.error} onRetry={() => void fleet.refetch()} />
          ) : counts?.total === 0 ? (
            <EmptyState title="No devices yet">
              <p>
                <Link to="/devices">Create a device</Link> and connect it over MQTT or WebSocket.
              </p>
            </EmptyState>
          ) : (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Protocol</th>
                    <th scope="col" className="num">
                      Online
                    </th>
                    <th scope="col" className="num">
                      Devices
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {counts?.rows.map((row) => (
                    <tr key={row.protocol}>
                      <th scope="row">{row.protocol}</th>
                      <td className="num">{row.online}</td>
                      <td className="num">{row.total}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {fleet.data.truncated ? (
                <p className="muted">Counts cover the first {FLEET_LIMIT} devices.</p>
              ) : null}
            </>
          )}
          <LiveNote live={status.live} what="device status" />
        </section>

        <section className="card" aria-labelledby="recent-errors">
          <h2 id="recent-errors">Recent device errors</h2>
          {!canWatchErrors ? (
            <p className="muted">Your role may not watch device errors.</p>
          ) : recent.live.state.phase === 'refused' ? (
            <LiveNote live={recent.live} what="device errors" />
          ) : recent.errors.length === 0 ? (
            <EmptyState title="No errors since this page opened">
              <p className="muted">Payloads the platform refuses appear here as they happen.</p>
            </EmptyState>
          ) : (
            <ul className="error-list">
              {recent.errors.map((error) => (
                <li key={error.key}>
                  <span className="muted">{formatTime(error.receivedAt)}</span>{' '}
                  <Link to={`/devices/${encodeURIComponent(error.deviceId)}`}>
                    {error.deviceId}
                  </Link>{' '}
                  <code>{error.code}</code>
                  <div>{error.message}</div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
