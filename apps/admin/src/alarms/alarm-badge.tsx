import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { alarmsApi } from '../api/alarms-api.ts';
import { useServices } from '../app/services.tsx';

const REFRESH_MS = 5_000;

/** The header's count of open alarms, linking to them; nothing while none is open. */
export function AlarmBadge() {
  const { api } = useServices();
  const count = useQuery({
    queryKey: ['alarms', 'open-count'],
    queryFn: ({ signal }) => alarmsApi.openCount(api, signal),
    refetchInterval: REFRESH_MS,
  });
  const open = count.data?.open ?? 0;
  if (open === 0) return null;
  const label = `${open} open alarm${open === 1 ? '' : 's'}`;
  return (
    <Link to="/alarms?state=open" className="alarm-badge" aria-label={label} title={label}>
      {open}
    </Link>
  );
}
