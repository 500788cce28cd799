import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { Alarm } from '@twinwire/schemas/alarms';
import { alarmsApi } from '../api/alarms-api.ts';
import { useServices } from '../app/services.tsx';
import type { ResolvedRange } from './time-ranges.ts';

/** A live chart's alarms are re-read this often, so a new one appears while it scrolls. */
const LIVE_REFRESH_MS = 5_000;
/** One empty list, so a chart without alarms is not redrawn for a new `[]` each render. */
const NONE: readonly Alarm[] = [];

/**
 * The device's alarms open at some moment of the chart's range (a live window ending now, or
 * a fixed range), for the chart's bands and legend. A failure leaves the chart without bands
 * (the Alarms page says more): an empty list, and the error for a note.
 */
export function useDeviceAlarms(
  deviceId: string,
  range: ResolvedRange,
): { alarms: readonly Alarm[]; error: unknown } {
  const { api } = useServices();
  const key = range.kind === 'live' ? ['live', range.ms] : ['buckets', range.from, range.to];
  const query = useQuery({
    queryKey: ['alarms', 'device', deviceId, ...key],
    queryFn: ({ signal }) => {
      const window =
        range.kind === 'live'
          ? { from: Date.now() - range.ms, to: Date.now() + 1 }
          : { from: range.from, to: range.to };
      return alarmsApi.inRange(api, deviceId, window, signal);
    },
    placeholderData: keepPreviousData,
    ...(range.kind === 'live' ? { refetchInterval: LIVE_REFRESH_MS } : {}),
  });
  return { alarms: query.data?.items ?? NONE, error: query.error };
}
