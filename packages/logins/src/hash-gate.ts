/**
 * A bounded gate for password hashing. scrypt already runs on libuv's thread pool, off the
 * event loop; what it lacks is a bound: every login in flight queues one more hash, so a
 * flood of bad passwords makes honest logins wait behind it (issue #13.2). The gate runs at
 * most `concurrency` hashes at once and lets at most `maxQueued` more wait; past that a
 * login is refused at once as busy. A waiting hash whose client has gone (its `signal`
 * aborted) leaves the queue without being computed. Logins from keys that failed recently
 * (`suspect`) wait behind clean ones, and a clean login arriving at a full queue takes the
 * place of the newest suspect one: a flood of wrong passwords cannot crowd honest logins
 * out of the queue.
 */

/** The gate is full: the caller answers "server busy" (MQTT 5 0x89, HTTP 503). */
export class HashGateBusyError extends Error {
  readonly code = 'TWW_SERVER_BUSY';
  constructor() {
    super('too many logins are being verified; retry shortly');
  }
}

/** The client went away while its hash waited: nothing was computed. */
export class HashAbandonedError extends Error {
  readonly code = 'TWW_CLIENT_GONE';
  constructor() {
    super('the client went away before its credential was verified');
  }
}

export interface HashGateOptions {
  /** Hashes computed at once (libuv's pool has 4 threads by default, shared with fs and dns). */
  concurrency: number;
  /** Hashes allowed to wait for a slot; more are refused with {@link HashGateBusyError}. */
  maxQueued: number;
}

/** Running totals since the gate was made, for metrics. */
export interface HashGateCounts {
  /** Hashes started. */
  hashed: number;
  /** Refused because the queue was full. */
  refusedBusy: number;
  /** Dropped from the queue because the client had gone. */
  abandoned: number;
}

interface Waiter {
  start: () => void;
  /** Leaves the queue without hashing, rejected with `error`. */
  drop: (error: Error) => void;
}

export interface HashRunOptions {
  /** Aborts when the client goes away: a waiting hash is then dropped. */
  signal?: AbortSignal | undefined;
  /** A login from an address or name that failed recently: it waits behind clean ones. */
  suspect?: boolean;
}

export interface HashGate {
  /** Runs `hash` when a slot is free; rejects busy or abandoned without running it. */
  run<T>(hash: () => Promise<T>, options?: HashRunOptions): Promise<T>;
  counts(): Readonly<HashGateCounts>;
  /** Hashes running and waiting now. */
  load(): { running: number; queued: number };
}

export function createHashGate(limits: HashGateOptions): HashGate {
  const concurrency = Math.max(1, limits.concurrency);
  const counts: HashGateCounts = { hashed: 0, refusedBusy: 0, abandoned: 0 };
  // Insertion-ordered: the oldest waiter first.
  const clean = new Set<Waiter>();
  const suspects = new Set<Waiter>();
  const queued = () => clean.size + suspects.size;
  let running = 0;

  const release = () => {
    running -= 1;
    const next = clean.values().next().value ?? suspects.values().next().value;
    if (next) {
      clean.delete(next);
      suspects.delete(next);
      next.start();
    }
  };

  /** Room for a clean login at a full queue: the newest suspect waiter is refused busy. */
  const evictSuspect = (): boolean => {
    const newest = [...suspects].at(-1);
    if (!newest) return false;
    counts.refusedBusy += 1;
    newest.drop(new HashGateBusyError());
    return true;
  };

  const runNow = <T>(hash: () => Promise<T>): Promise<T> => {
    running += 1;
    counts.hashed += 1;
    // An async wrapper turns a synchronous throw into a rejection, so the slot is freed.
    const work = (async () => hash())();
    return work.finally(release);
  };

  return {
    run<T>(hash: () => Promise<T>, options: HashRunOptions = {}): Promise<T> {
      const { signal, suspect = false } = options;
      if (signal?.aborted) {
        counts.abandoned += 1;
        return Promise.reject(new HashAbandonedError());
      }
      if (running < concurrency) return runNow(hash);
      if (queued() >= limits.maxQueued && (suspect || !evictSuspect())) {
        counts.refusedBusy += 1;
        return Promise.reject(new HashGateBusyError());
      }
      const queue = suspect ? suspects : clean;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          if (!queue.has(waiter)) return;
          counts.abandoned += 1;
          waiter.drop(new HashAbandonedError());
        };
        const waiter: Waiter = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            runNow(hash).then(resolve, reject);
          },
          drop: (error) => {
            queue.delete(waiter);
            signal?.removeEventListener('abort', onAbort);
            reject(error);
          },
        };
        queue.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    counts: () => ({ ...counts }),
    load: () => ({ running, queued: queued() }),
  };
}
