import type { HistoryRequest } from '@twinwire/schemas/ws-frames';
import { useEffect, useEffectEvent, useState, useSyncExternalStore } from 'react';
import { useServices } from '../app/services.tsx';
import type { LiveMessage, LiveNotice, LiveStatus } from './live-connection.ts';

export function useLiveStatus(): LiveStatus {
  const { live } = useServices();
  return useSyncExternalStore(
    (listener) => live.onStatus(listener),
    () => live.status,
  );
}

type SubscriptionPhase =
  | { phase: 'off' }
  | { phase: 'pending' }
  | { phase: 'subscribed' }
  | { phase: 'refused'; notice: LiveNotice };

export interface LiveSubscriptionOptions {
  onMessage(message: LiveMessage): void;
  onSubscribed?(): void;
  history?(): HistoryRequest | undefined;
  /** Never join a lingering subscription: the server checks this one anew. */
  fresh?: boolean;
}

export interface LiveSubscriptionState {
  state: SubscriptionPhase;
  /** The last stream notice (e.g. messages dropped), if any. */
  notice: LiveNotice | undefined;
}

/**
 * Streams `filter` (null: nothing) while the component is mounted. Handlers may change on
 * every render without resubscribing.
 */
export function useLiveSubscription(
  filter: string | null,
  options: LiveSubscriptionOptions,
): LiveSubscriptionState {
  const { live } = useServices();
  // Each phase remembers its filter, so a new filter reads as pending without a reset.
  const [phase, setPhase] = useState<{ filter: string; state: SubscriptionPhase }>();
  const [notice, setNotice] = useState<{ filter: string; notice: LiveNotice }>();
  const onMessage = useEffectEvent((message: LiveMessage) => {
    options.onMessage(message);
  });
  const onSubscribed = useEffectEvent(() => {
    options.onSubscribed?.();
  });
  const history = useEffectEvent(() => options.history?.());
  const fresh = options.fresh === true;

  useEffect(() => {
    if (filter === null) return;
    return live.subscribe(
      filter,
      {
        onMessage: (message) => {
          onMessage(message);
        },
        onSubscribed: () => {
          setPhase({ filter, state: { phase: 'subscribed' } });
          onSubscribed();
        },
        onRefused: (refusal) => {
          setPhase({ filter, state: { phase: 'refused', notice: refusal } });
        },
        onNotice: (streamNotice) => {
          setNotice({ filter, notice: streamNotice });
        },
        history: () => history(),
      },
      { fresh },
    );
  }, [filter, live, fresh]);

  if (filter === null) return { state: { phase: 'off' }, notice: undefined };
  return {
    state: phase?.filter === filter ? phase.state : { phase: 'pending' },
    notice: notice?.filter === filter ? notice.notice : undefined,
  };
}

/** Re-renders at most every `intervalMs` while `source` keeps changing. */
export function useThrottledChanges(
  source: { subscribe(listener: () => void): () => void },
  intervalMs: number,
): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = source.subscribe(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setTick((value) => value + 1);
      }, intervalMs);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [source, intervalMs]);
  return tick;
}
