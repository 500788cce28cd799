import { telemetryTopic } from '@twinwire/schemas/topics';
import { useEffect, useRef, useState } from 'react';
import { useServices } from '../app/services.tsx';

/** How often the list re-renders with the newest times. */
const PUBLISH_MS = 1000;

/**
 * When each listed device last sent telemetry, as the live stream says: the devices table's
 * `last_seen_at` is written in batches every 10 s, so a device sending every second would
 * read 10 s stale without this. Subscribes to the listed devices only (a page of 25), never
 * to the whole fleet's telemetry.
 */
export function useLiveLastSeen(deviceIds: readonly string[]): ReadonlyMap<string, number> {
  const { live } = useServices();
  const latest = useRef(new Map<string, number>());
  const [snapshot, setSnapshot] = useState<ReadonlyMap<string, number>>(() => new Map());
  const key = deviceIds.join('\n');

  useEffect(() => {
    const ids = key === '' ? [] : key.split('\n');
    const unsubscribes = ids.map((deviceId) =>
      live.subscribe(telemetryTopic(deviceId), {
        onMessage: (message) => {
          if (message.receivedAt !== undefined) latest.current.set(deviceId, message.receivedAt);
        },
      }),
    );
    const timer = setInterval(() => {
      setSnapshot(new Map(latest.current));
    }, PUBLISH_MS);
    return () => {
      clearInterval(timer);
      for (const unsubscribe of unsubscribes) unsubscribe();
    };
  }, [key, live]);
  return snapshot;
}

/** The later of the stored last-seen time and the live one. */
export function newestSeen(stored: string | null, live: number | undefined): string | null {
  if (live === undefined) return stored;
  if (stored !== null && Date.parse(stored) >= live) return stored;
  return new Date(live).toISOString();
}
