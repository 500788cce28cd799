import { useEffect, useState } from 'react';

/**
 * The current time, ticking every second, so relative times ("4 seconds ago") move on and a
 * time captured at mount never reads as in the future.
 */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, intervalMs);
    return () => {
      clearInterval(timer);
    };
  }, [intervalMs]);
  return now;
}
