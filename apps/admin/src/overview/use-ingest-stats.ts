import { topicFilters } from '@twinwire/schemas/topics';
import { useEffect, useState } from 'react';
import { validReadingsOf } from '../devices/use-device-series.ts';
import { useLiveSubscription } from '../live/use-live.ts';
import { IngestStats, type IngestSnapshot } from './ingest-stats.ts';

/** Readings/s and ingest lag of all devices, from the live telemetry stream, once a second. */
export function useIngestStats() {
  const [stats] = useState(() => new IngestStats(10_000));
  const [snapshot, setSnapshot] = useState<IngestSnapshot>(() => stats.snapshot(Date.now()));
  const live = useLiveSubscription(topicFilters.allTelemetry, {
    onMessage: (message) => {
      if (message.history || message.receivedAt === undefined) return;
      stats.record(
        message.receivedAt,
        validReadingsOf(message.payload).map((reading) => reading.ts),
      );
    },
  });
  useEffect(() => {
    const timer = setInterval(() => {
      setSnapshot(stats.snapshot(Date.now()));
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, [stats]);
  return { snapshot, live };
}
