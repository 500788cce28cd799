import { Link } from 'react-router';
import type { DeviceView } from '../api/types.ts';
import type { KnownState } from '../overview/fleet-status.ts';
import { formatDateTime, formatRelative } from '../ui/format.ts';

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
  now: number;
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
            <th scope="col">Last seen</th>
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
                <td>
                  <LastSeen at={device.lastSeenAt} now={props.now} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
