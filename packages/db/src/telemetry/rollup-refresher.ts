import type { Database } from '../client.ts';
import { refreshTelemetryRollup, type RefreshRollupResult } from './rollup.ts';

export interface RollupRefresherOptions {
  db: Database;
  /** Pause between the end of one refresh and the start of the next. */
  intervalMs: number;
  /**
   * Only minutes dirty for at least this long, so the minute devices are writing now is
   * recomputed about once per interval, not on every tick. Default: `intervalMs`.
   */
  settleMs?: number;
  batchMinutes?: number;
  /** A failed refresh is reported here and retried on the next tick. */
  onError: (error: unknown) => void;
  onRefresh?: (result: RefreshRollupResult) => void;
}

export interface RollupRefresher {
  /** Stops the timer and waits for a refresh in progress to finish its transaction. */
  close(): Promise<void>;
}

/**
 * Keeps the telemetry rollup caught up in the background, so bucket queries find few dirty
 * minutes to read raw or refresh themselves. Ticks never overlap; several processes may each
 * run one (only one refreshes at a time, the others find it busy and wait for their next tick).
 */
export function startRollupRefresher(options: RollupRefresherOptions): RollupRefresher {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    try {
      const result = await refreshTelemetryRollup(options.db, {
        settleMs: options.settleMs ?? options.intervalMs,
        signal: controller.signal,
        ...(options.batchMinutes === undefined ? {} : { batchMinutes: options.batchMinutes }),
      });
      options.onRefresh?.(result);
    } catch (error) {
      options.onError(error);
    }
  }

  function schedule(): void {
    if (controller.signal.aborted) return;
    timer = setTimeout(() => {
      running = tick().then(schedule);
    }, options.intervalMs);
    // The owner stops it with close(); it must not keep a process alive on its own.
    timer.unref();
  }

  schedule();
  return {
    async close() {
      controller.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
