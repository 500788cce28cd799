import { useQuery } from '@tanstack/react-query';
import { devicesApi, type DeviceView } from '../api/devices-api.ts';
import { useServices } from '../app/services.tsx';

/** The overview counts this many devices at most; beyond it, it says so. */
export const FLEET_LIMIT = 5000;
const PAGE = 200;

/** Every device (up to {@link FLEET_LIMIT}), for fleet-wide counts. */
export function useFleet() {
  const { api } = useServices();
  return useQuery({
    queryKey: ['devices', 'fleet'],
    queryFn: async ({ signal }) => {
      const devices: DeviceView[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await devicesApi.list(api, { limit: PAGE, cursor }, signal);
        devices.push(...page.items);
        if (!page.hasMore || page.nextCursor === null) return { devices, truncated: false };
        if (devices.length >= FLEET_LIMIT) return { devices, truncated: true };
        cursor = page.nextCursor;
      }
    },
    refetchInterval: 60_000,
  });
}
