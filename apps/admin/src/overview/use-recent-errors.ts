import { parseDeviceTopic, topicFilters } from '@twinwire/schemas/topics';
import { validators } from '@twinwire/schemas/validate';
import { useRef, useState } from 'react';
import { useLiveSubscription } from '../live/use-live.ts';

export interface RecentError {
  key: string;
  deviceId: string;
  receivedAt: number;
  code: string;
  message: string;
  topic: string;
}

const KEEP = 25;

/** The newest device errors (`devices/+/errors`), newest first; off when `enabled` is false. */
export function useRecentErrors(enabled: boolean) {
  const [errors, setErrors] = useState<RecentError[]>([]);
  const counter = useRef(0);
  const live = useLiveSubscription(enabled ? topicFilters.allErrors : null, {
    onMessage: (message) => {
      const topic = parseDeviceTopic(message.topic);
      if (topic?.kind !== 'errors' || !validators.deviceError.Check(message.payload)) return;
      const receivedAt = message.receivedAt ?? Date.now();
      counter.current += 1;
      const entry: RecentError = {
        key: String(counter.current),
        deviceId: topic.deviceId,
        receivedAt,
        ...message.payload,
      };
      setErrors((current) => [entry, ...current].slice(0, KEEP));
    },
  });
  return { errors, live };
}
