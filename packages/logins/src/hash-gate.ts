/**
 * A bounded gate for password hashing. scrypt already runs on libuv's thread pool, off the
 * event loop; what it lacks is a bound: every login in flight queues one more hash, so a
 * flood of bad passwords makes honest logins wait behind it (issue #13.2). The gate runs at
 * most `concurrency` hashes at once and lets at most `maxQueued` more wait; past that a
 * login is refused at once as busy. A waiting hash whose client has gone (its `signal`
 * aborted) leaves the queue without being computed.
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
  abandon: () => void;
}

export interface HashGate {
  /** Runs `hash` when a slot is free; rejects busy or abandoned without running it. */
  run<T>(hash: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  counts(): Readonly<HashGateCounts>;
  /** Hashes running and waiting now. */
  load(): { running: number; queued: number };
}

export function createHashGate(options: HashGateOptions): HashGate {
  const concurrency = Math.max(1, options.concurrency);
  const counts: HashGateCounts = { hashed: 0, refusedBusy: 0, abandoned: 0 };
  const queue = new Set<Waiter>();
  let running = 0;

  const release = () => {
    running -= 1;
    const next = queue.values().next();
    if (!next.done) {
      queue.delete(next.value);
      next.value.start();
    }
  };

  const runNow = <T>(hash: () => Promise<T>): Promise<T> => {
    running += 1;
    counts.hashed += 1;
    // An async wrapper turns a synchronous throw into a rejection, so the slot is freed.
    const work = (async () => hash())();
    return work.finally(release);
  };

  return {
    run<T>(hash: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) {
        counts.abandoned += 1;
        return Promise.reject(new HashAbandonedError());
      }
      if (running < concurrency) return runNow(hash);
      if (queue.size >= options.maxQueued) {
        counts.refusedBusy += 1;
        return Promise.reject(new HashGateBusyError());
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          waiter.abandon();
        };
        const waiter: Waiter = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            runNow(hash).then(resolve, reject);
          },
          abandon: () => {
            if (!queue.delete(waiter)) return;
            counts.abandoned += 1;
            reject(new HashAbandonedError());
          },
        };
        queue.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    counts: () => ({ ...counts }),
    load: () => ({ running, queued: queue.size }),
  };
}
