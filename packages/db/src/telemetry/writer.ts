import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { isTransientDbError } from '../transient-error.ts';
import { batchInserters, type InsertStrategy } from './insert.ts';
import type { TelemetryRow } from './row.ts';

export interface TelemetryWriterOptions {
  pool: pg.Pool;
  strategy?: InsertStrategy;
  /** Rows per statement. */
  maxBatchRows?: number;
  /** Statements in flight at once, each on its own pooled connection. */
  maxInFlightBatches?: number;
  /** Rows held (queued or in a batch not yet committed) beyond which `write()` waits and `offer()` refuses. */
  maxQueuedRows?: number;
  /** Back-off between retries while the database is unreachable. */
  retryDelayMs?: { initial: number; max: number };
  /** Told about every failed attempt, e.g. to log it; retries continue regardless. */
  onRetry?: (error: unknown, attempt: number) => void;
  /**
   * Runs after each batch commits and before its writes resolve (alarm evaluation): what
   * is acknowledged has been through it, and a redelivered reading, stored once, passes
   * again. Must not reject.
   */
  onCommitted?: (rows: readonly TelemetryRow[]) => Promise<void>;
}

export interface TelemetryWriterStats {
  queued: number;
  inFlightBatches: number;
  committed: number;
  duplicates: number;
  batches: number;
  retries: number;
  rejected: number;
}

export interface TelemetryWriter {
  /**
   * Resolves once the row is committed (or was already stored: writes are idempotent on
   * device id, ts and seq). Waits for room when the queue is full, so callers that await
   * it are slowed down (back-pressure) rather than dropped. While the database is
   * unreachable it keeps retrying; it rejects only for a row the database refuses outright.
   */
  write(row: TelemetryRow): Promise<void>;
  /** Like `write`, but returns `null` instead of waiting when the queue is full. */
  offer(row: TelemetryRow): Promise<void> | null;
  /** Resolves when everything queued before the call is committed. */
  flush(): Promise<void>;
  /** Refuses new writes, then flushes: nothing accepted is lost. */
  close(): Promise<void>;
  stats(): TelemetryWriterStats;
}

export class WriterClosedError extends Error {
  readonly code = 'TWW_WRITER_CLOSED';
  constructor() {
    super('the telemetry writer is closed and accepts no more readings');
  }
}

interface Pending {
  row: TelemetryRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createTelemetryWriter(options: TelemetryWriterOptions): TelemetryWriter {
  const insert = batchInserters[options.strategy ?? 'json'];
  const maxBatchRows = options.maxBatchRows ?? 500;
  const maxInFlight = options.maxInFlightBatches ?? 2;
  const maxQueued = options.maxQueuedRows ?? 20_000;
  const retryDelay = options.retryDelayMs ?? { initial: 50, max: 2_000 };

  const queue: Pending[] = [];
  const roomWaiters: (() => void)[] = [];
  const idleWaiters: (() => void)[] = [];
  let inFlight = 0;
  let inFlightRows = 0;
  /** Writers admitted before close() but still waiting for room in the queue. */
  let waitingWriters = 0;
  let pumpScheduled = false;
  let closed = false;
  const counters = { committed: 0, duplicates: 0, batches: 0, retries: 0, rejected: 0 };

  function enqueue(row: TelemetryRow): Promise<void> {
    return new Promise((resolve, reject) => {
      queue.push({ row, resolve, reject });
      schedulePump();
    });
  }

  // Deferring to a microtask lets a synchronous burst of writes share one statement.
  function schedulePump(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    queueMicrotask(pump);
  }

  function pump(): void {
    pumpScheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatchRows);
      inFlight += 1;
      inFlightRows += batch.length;
      void commitBatch(batch).finally(() => {
        inFlight -= 1;
        inFlightRows -= batch.length;
        pump();
      });
    }
    while (roomWaiters.length > 0 && !isFull()) roomWaiters.shift()?.();
    if (isIdle()) {
      for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  function isFull(): boolean {
    return queue.length + inFlightRows >= maxQueued;
  }

  function isIdle(): boolean {
    return inFlight === 0 && queue.length === 0 && waitingWriters === 0;
  }

  async function commitBatch(batch: Pending[]): Promise<void> {
    try {
      const inserted = await withRetries(batch.map((pending) => pending.row));
      counters.batches += 1;
      counters.committed += batch.length;
      counters.duplicates += batch.length - inserted;
      await options.onCommitted?.(batch.map((pending) => pending.row));
      for (const pending of batch) pending.resolve();
    } catch {
      // The database refused the batch outright: isolate the rows it refuses so one bad
      // row does not fail the readings that share its statement.
      for (const pending of batch) {
        try {
          const inserted = await withRetries([pending.row]);
          counters.committed += 1;
          counters.duplicates += 1 - inserted;
          await options.onCommitted?.([pending.row]);
          pending.resolve();
        } catch (error) {
          counters.rejected += 1;
          pending.reject(error);
        }
      }
    }
  }

  async function withRetries(rows: TelemetryRow[]): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const client = await options.pool.connect();
        // A dropped socket also surfaces as an 'error' event on a checked-out client; the
        // failed query already reports it, so the event must not crash the process.
        const ignoreSocketError = () => undefined;
        client.on('error', ignoreSocketError);
        let broken: unknown;
        try {
          return await insert(client, rows);
        } catch (error) {
          broken = isTransientDbError(error) ? error : undefined;
          throw error;
        } finally {
          client.off('error', ignoreSocketError);
          // A connection that failed mid-statement is discarded, not reused.
          client.release(broken instanceof Error ? broken : undefined);
        }
      } catch (error) {
        if (!isTransientDbError(error)) throw error;
        counters.retries += 1;
        options.onRetry?.(error, attempt);
        await sleep(Math.min(retryDelay.max, retryDelay.initial * 2 ** (attempt - 1)));
      }
    }
  }

  async function waitForRoom(): Promise<void> {
    waitingWriters += 1;
    try {
      while (isFull()) {
        await new Promise<void>((resolve) => roomWaiters.push(resolve));
      }
    } finally {
      waitingWriters -= 1;
    }
  }

  function waitForIdle(): Promise<void> {
    if (isIdle()) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  return {
    async write(row) {
      if (closed) throw new WriterClosedError();
      if (isFull()) await waitForRoom();
      return enqueue(row);
    },
    offer(row) {
      if (closed) return Promise.reject(new WriterClosedError());
      if (isFull()) return null;
      return enqueue(row);
    },
    flush: waitForIdle,
    async close() {
      closed = true;
      await waitForIdle();
    },
    stats: () => ({ queued: queue.length, inFlightBatches: inFlight, ...counters }),
  };
}
