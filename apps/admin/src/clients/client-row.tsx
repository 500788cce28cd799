import { parseSharedFilter } from '@twinwire/acl/shared-subscription';
import type { ClientView } from '../api/clients-api.ts';
import { ConfirmButton } from '../ui/confirm-button.tsx';
import { formatDateTime, formatMqttVersion, formatRelative } from '../ui/format.ts';

const STATE_BADGE: Record<ClientView['state'], string> = {
  connected: 'badge badge-online',
  offline: 'badge badge-offline',
  stale: 'badge badge-stale',
};

function principalLabel(client: ClientView): string {
  const { kind, id, username } = client.principal;
  if (kind === 'device') return `device ${id}`;
  if (kind === 'service') return 'the API (service)';
  return `user ${username ?? id}`;
}

const count = (value: number | null) => (value === null ? '—' : String(value));

/** The shared subscription groups a client is a member of: its `$share/{group}/…` filters. */
function groupsOf(client: ClientView): string[] {
  const groups = client.subscriptions.flatMap((subscription) => {
    const shared = parseSharedFilter(subscription.filter);
    return shared && shared !== 'invalid' ? [shared.group] : [];
  });
  return [...new Set(groups)];
}

/** One client or session: what EMQX's client list shows, and the two actions on it. */
export function ClientRow(props: {
  client: ClientView;
  now: number;
  canAct: boolean;
  busy: boolean;
  onDisconnect: () => void;
  onClearSession: () => void;
}) {
  const { client, now } = props;
  const since = client.state === 'connected' ? client.connectedAt : client.disconnectedAt;
  return (
    <tr data-client-id={client.clientId}>
      <th scope="row">
        <code>{client.clientId}</code>
      </th>
      <td>
        <span className={STATE_BADGE[client.state]}>
          <span className="dot" aria-hidden="true" />
          {client.state}
        </span>
      </td>
      <td>
        {principalLabel(client)}
        {client.principal.kind === 'service' ? null : (
          <span className="muted"> ({client.principal.role})</span>
        )}
      </td>
      <td>
        {formatMqttVersion(client.protocolVersion)} <span className="muted">{client.protocol}</span>
        {client.cleanSession ? null : <div className="muted small-text">persistent session</div>}
      </td>
      <td>{client.remoteAddress ?? '—'}</td>
      <td>
        {since ? (
          <time dateTime={since} title={formatDateTime(since)}>
            {formatRelative(since, now)}
          </time>
        ) : (
          '—'
        )}
      </td>
      <td className="num">{client.keepaliveS} s</td>
      <td>
        {client.subscriptionCount === 0 ? (
          <span className="muted">none</span>
        ) : (
          <>
            {groupsOf(client).map((group) => (
              <span key={group} className="badge" title="Member of this shared subscription group">
                group {group}
              </span>
            ))}
            <details>
              <summary>{client.subscriptionCount}</summary>
              <ul className="plain-list">
                {client.subscriptions.map((subscription) => (
                  <li key={subscription.filter}>
                    <code>{subscription.filter}</code>{' '}
                    <span className="muted">QoS {subscription.qos}</span>
                  </li>
                ))}
              </ul>
            </details>
          </>
        )}
      </td>
      <td className="num">{count(client.inflight)}</td>
      <td className="num">{count(client.queued)}</td>
      <td>
        <code className="small-text" title={client.brokerId}>
          {client.brokerId.length > 12 ? `${client.brokerId.slice(0, 8)}…` : client.brokerId}
        </code>
      </td>
      {props.canAct ? (
        <td className="row-actions">
          <div>
            {client.state === 'connected' ? (
              <ConfirmButton
                label="Disconnect"
                confirmLabel={`Disconnect ${client.clientId}`}
                busy={props.busy}
                onConfirm={props.onDisconnect}
              />
            ) : null}
            <ConfirmButton
              label="Clear session"
              confirmLabel={`Clear the session of ${client.clientId}`}
              busy={props.busy}
              onConfirm={props.onClearSession}
            />
          </div>
        </td>
      ) : null}
    </tr>
  );
}
