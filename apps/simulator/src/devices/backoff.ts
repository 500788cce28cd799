export interface BackoffOptions {
  /** The cap of the first delay; each failed attempt doubles it. Default 250 ms. */
  baseMs?: number;
  /** No delay exceeds this. Default 10 s. */
  maxMs?: number;
  /** Seedable for tests; Math.random by default. */
  random?: () => number;
}

/**
 * Exponential back-off with full jitter: after the n-th failed attempt in a row, wait a
 * uniformly random time in [0, min(max, base·2ⁿ)). Spreading the whole range (rather than
 * adding a little jitter to a fixed delay) keeps a fleet that lost its server at once from
 * reconnecting in lock-step waves.
 */
export class Backoff {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.maxMs = options.maxMs ?? 10_000;
    this.random = options.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.maxMs >= this.baseMs))
      throw new RangeError('back-off needs 0 < baseMs <= maxMs');
  }

  /** The ceiling of the next delay, before jitter. */
  ceilingMs(): number {
    // 2^failures overflows to Infinity long after it passed any cap; min() handles that.
    return Math.min(this.maxMs, this.baseMs * 2 ** this.failures);
  }

  /** The delay before the next attempt; counts one more failure. */
  next(): number {
    const delay = this.random() * this.ceilingMs();
    this.failures += 1;
    return delay;
  }

  /** After a success: the next failure starts from the base again. */
  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
