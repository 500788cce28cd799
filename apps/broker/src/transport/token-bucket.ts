// Refill arithmetic is in floating point: 0.99 + 0.01 may land a hair below 1.
const EPSILON = 1e-9;

/**
 * A token bucket that refills continuously at `ratePerSecond` up to a burst of the same
 * size. Times are in milliseconds from one monotonic clock (`performance.now()`), passed
 * in so a caller can read the clock once for a whole batch.
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  #tokens: number;
  #refilledAt: number;

  constructor(ratePerSecond: number, now: number) {
    this.#ratePerMs = ratePerSecond / 1000;
    this.#capacity = ratePerSecond;
    this.#tokens = ratePerSecond;
    this.#refilledAt = now;
  }

  /** Takes one token if there is one at time `now`. */
  take(now: number): boolean {
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + (now - this.#refilledAt) * this.#ratePerMs,
    );
    this.#refilledAt = now;
    if (this.#tokens < 1 - EPSILON) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until `take()` can succeed, as of the last call to `take()`. */
  msUntilToken(): number {
    return Math.max(0, Math.ceil((1 - this.#tokens) / this.#ratePerMs - EPSILON));
  }
}
