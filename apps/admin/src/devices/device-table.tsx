import { Link } from 'react-router';
import type { DeviceView } from '../api/devices-api.ts';
import type { KnownState } from '../overview/fleet-status.ts';
import { formatDateTime, formatRelative } from '../ui/format.ts';
import { connectionLabel } from './connection-label.ts';
import { newestSeen } from './use-live-last-seen.ts';

export function OnlineBadge(props: { online: boolean }) {
  return (
    <span className={props.online ? 'badge badge-online' : 'badge badge-offline'}>
      <span className="dot" aria-hidden="true" />
      {props.online ? 'Online' : 'Offline'}
    </span>
  );
}

export function LastSeen(props: { at: string | null; now: number }) {
  if (!props.at) return <span className="muted">never</span>;
  return (
    <time dateTime={props.at} title={formatDateTime(props.at)}>
      {formatRelative(props.at, props.now)}
    </time>
  );
}

export function DeviceTable(props: {
  devices: readonly DeviceView[];
  liveStatus: ReadonlyMap<string, KnownState>;
  /** Telemetry times from the live stream, newer than the stored ones. */
  liveSeen: ReadonlyMap<string, number>;
  now: number;
  onTag: (tag: string) => void;
}) {
  return (
    <div className="table-scroll">
      <table className="device-table">
        <caption className="visually-hidden">Devices</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Protocol</th>
            <th scope="col">MQTT version</th>
            <th scope="col">Last seen</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {props.devices.map((device) => {
            const live = props.liveStatus.get(device.id);
            return (
              <tr key={device.id}>
                <th scope="row">
                  <Link to={`/devices/${encodeURIComponent(device.id)}`}>{device.id}</Link>
                </th>
                <td>{device.name}</td>
                <td>
                  <OnlineBadge online={live?.online ?? device.online} />
                </td>
                <td>{live?.protocol ?? device.lastProtocol ?? '—'}</td>
                <td data-testid="device-mqtt-version">
                  {connectionLabel(device.connection, live?.online)}
                </td>
                <td>
                  <LastSeen
                    at={newestSeen(device.lastSeenAt, props.liveSeen.get(device.id))}
                    now={props.now}
                  />
                </td>
                <td>
                  {device.tags.map((tag) => (
                    <button
                      key={tag}
                      type="button"
                      className="tag"
                      title={`Show devices tagged ${tag}`}
                      onClick={() => {
                        props.onTag(tag);
                      }}
                    >
                      {tag}
                    </button>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
