import { useEffect, useState } from 'react';
import { useServices } from '../app/services.tsx';
import { useLiveStatus } from '../live/use-live.ts';

/** Says when live updates stopped, when they retry, and offers to retry now. */
export function LiveBanner() {
  const { live } = useServices();
  const status = useLiveStatus();
  const [now, setNow] = useState(() => Date.now());
  const waiting = status.state === 'waiting';
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, [waiting]);

  if (status.state !== 'waiting' && status.state !== 'stopped') return null;
  const seconds = waiting ? Math.max(0, Math.ceil((status.retryAt - now) / 1000)) : 0;
  return (
    <div className="banner banner-warning" role="status">
      <span>
        <strong>Live updates disconnected:</strong> {status.reason}.{' '}
        {waiting ? `Reconnecting in ${seconds} s.` : 'Sign in again to resume.'}
      </span>
      {waiting ? (
        <button
          type="button"
          className="small"
          onClick={() => {
            live.reconnectNow();
          }}
        >
          Reconnect now
        </button>
      ) : null}
    </div>
  );
}

export function LiveIndicator() {
  const status = useLiveStatus();
  const label =
    status.state === 'open'
      ? 'Live'
      : status.state === 'connecting'
        ? 'Connecting…'
        : status.state === 'idle'
          ? 'Live idle'
          : 'Offline';
  return (
    <span className={`live-indicator live-${status.state}`}>
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  );
}
