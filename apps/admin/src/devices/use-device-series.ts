import { validateTelemetry } from '@twinwire/schemas/validate';
import { useEffect, useRef, useState } from 'react';
import { telemetryApi, type StoredReading } from '../api/telemetry-api.ts';
import { useServices } from '../app/services.tsx';
import type { LiveMessage } from '../live/live-connection.ts';
import { SeriesBuffer } from '../live/series-buffer.ts';
import { useLiveSubscription, type LiveSubscriptionState } from '../live/use-live.ts';
import { telemetryTopic } from '@twinwire/schemas/topics';
import { LIVE_WINDOW_MS } from './time-ranges.ts';

/** Readings replayed by the socket per (re)subscribe; REST fills in behind them. */
const HISTORY_LIMIT = 1000;
/** Most readings one backfill fetches (10 min at 50 readings/s is 30,000). */
const MAX_BACKFILL = 40_000;
const MAX_POINTS = 60_000;

const anyWindow = { maxPastMs: Infinity, maxFutureMs: Infinity };

/**
 * The readings of a telemetry payload that passes validation (any timestamp); [] for anything
 * else, so a chart never draws what a device was refused for.
 */
export function validReadingsOf(payload: unknown): StoredReading[] {
  const parsed = validateTelemetry(payload, anyWindow);
  return parsed.ok ? parsed.value : [];
}

export interface DeviceSeries {
  buffer: SeriesBuffer;
  live: LiveSubscriptionState;
  backfill: { error: unknown; truncated: boolean; loading: boolean };
}

/**
 * A device's last {@link LIVE_WINDOW_MS} of readings, history then live with no gap: the
 * socket replays recent readings then streams (the API joins those two without gap or
 * duplicate), and after every (re)subscribe a REST query fetches everything since the
 * replay's start, so a window holding more readings than one replay is complete too. The
 * buffer drops the overlap.
 */
export function useDeviceSeries(deviceId: string): DeviceSeries {
  const { api } = useServices();
  const [buffer] = useState(
    () => new SeriesBuffer({ windowMs: LIVE_WINDOW_MS, maxPoints: MAX_POINTS }),
  );
  const requestedSince = useRef(0);
  const backfillAbort = useRef<AbortController>(undefined);
  const [backfill, setBackfill] = useState<DeviceSeries['backfill']>({
    error: undefined,
    truncated: false,
    loading: true,
  });

  const live = useLiveSubscription(telemetryTopic(deviceId), {
    history: () => {
      const newest = buffer.timestamps.at(-1);
      const since = newest ?? Date.now() - LIVE_WINDOW_MS;
      requestedSince.current = since;
      return { since, limit: HISTORY_LIMIT };
    },
    onMessage: (message: LiveMessage) => {
      buffer.insert(validReadingsOf(message.payload));
    },
    onSubscribed: () => {
      backfillAbort.current?.abort();
      const controller = new AbortController();
      backfillAbort.current = controller;
      setBackfill((state) => ({ ...state, loading: true }));
      telemetryApi
        .range(
          api,
          deviceId,
          {
            // Joining a stream already open (no replay asked for): fetch the whole window.
            from: requestedSince.current || Date.now() - LIVE_WINDOW_MS,
            to: Date.now() + 1,
            maxReadings: MAX_BACKFILL,
          },
          controller.signal,
        )
        .then(
          ({ readings, truncated }) => {
            buffer.insert(readings);
            setBackfill({ error: undefined, truncated, loading: false });
          },
          (error: unknown) => {
            if (!controller.signal.aborted)
              setBackfill({ error, truncated: false, loading: false });
          },
        );
    },
  });

  useEffect(() => {
    const timer = setInterval(() => {
      buffer.trim(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
      backfillAbort.current?.abort();
    };
  }, [buffer]);

  return { buffer, live, backfill };
}
