import { parseDeviceTopic, topicFilters } from '@twinwire/schemas/topics';
import { validators } from '@twinwire/schemas/validate';
import { useRef, useState } from 'react';
import type { KnownState } from '../overview/fleet-status.ts';
import { useLiveSubscription, type LiveSubscriptionState } from '../live/use-live.ts';

/** How often the status map is republished to React at most. */
const FLUSH_MS = 500;

/**
 * Online state and protocol per device from `devices/+/status`, as they change after the
 * view opened. Retained messages may not reach a late subscriber, so the REST list stays
 * the baseline and this only overrides it.
 */
export function useLiveDeviceStatus(): {
  statuses: ReadonlyMap<string, KnownState & { since: number }>;
  live: LiveSubscriptionState;
} {
  const pending = useRef(new Map<string, KnownState & { since: number }>());
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const [statuses, setStatuses] = useState<ReadonlyMap<string, KnownState & { since: number }>>(
    () => new Map(),
  );

  const live = useLiveSubscription(topicFilters.allStatus, {
    onMessage: (message) => {
      const topic = parseDeviceTopic(message.topic);
      if (topic?.kind !== 'status' || !validators.deviceStatus.Check(message.payload)) return;
      const { online, protocol, since } = message.payload;
      pending.current.set(topic.deviceId, { online, protocol, since });
      timer.current ??= setTimeout(() => {
        timer.current = undefined;
        const updates = pending.current;
        pending.current = new Map();
        setStatuses((current) => new Map([...current, ...updates]));
      }, FLUSH_MS);
    },
  });
  return { statuses, live };
}
