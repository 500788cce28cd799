import { useQuery } from '@tanstack/react-query';
import { clientsApi } from '../api/clients-api.ts';
import { useServices } from '../app/services.tsx';
import { formatDateTime } from '../ui/format.ts';

/** The broker instances, live or stopped: where the clients below are. */
export function BrokerList() {
  const { api } = useServices();
  const brokers = useQuery({
    queryKey: ['clients', 'brokers'],
    queryFn: () => clientsApi.brokers(api),
    refetchInterval: 5_000,
  });
  if (!brokers.data || brokers.data.items.length === 0) return null;
  return (
    <ul className="broker-list" aria-label="Brokers">
      {brokers.data.items.map((broker) => (
        <li key={broker.brokerId} className="card">
          <span className={broker.live ? 'badge badge-online' : 'badge badge-stale'}>
            <span className="dot" aria-hidden="true" />
            {broker.live ? 'live' : 'stopped'}
          </span>{' '}
          <code>{broker.brokerId}</code>
          <span className="muted small-text">
            {' '}
            {broker.connected} connected · {broker.offline} offline ·{' '}
            {broker.sharedSessions ? 'sessions in Redis' : 'sessions in memory'} · last heard{' '}
            {formatDateTime(broker.heartbeatAt)}
          </span>
        </li>
      ))}
    </ul>
  );
}
