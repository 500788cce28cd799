import { TokenBucket } from '../transport/token-bucket.ts';

export type QuotaVerdict = 'within' | 'over' | 'ignored';

/**
 * MQTT_MAX_PUBLISH_RATE for an MQTT 5.0 client, which can be told: a PUBLISH over the rate
 * is refused (PUBACK/PUBREC 0x97, Quota exceeded), not read more slowly as a 3.1.1 client's
 * are (the packet guard paces those: 3.1.1 has no way to say it). A client that keeps
 * publishing at more than twice the rate for a second, refusals ignored, is `ignored`: it is
 * disconnected with 0x97.
 */
export class PublishQuota {
  readonly #publishes: TokenBucket;
  readonly #refusals: TokenBucket;

  constructor(perSecond: number, now: number) {
    this.#publishes = new TokenBucket(perSecond, now);
    this.#refusals = new TokenBucket(perSecond, now);
  }

  /** Spends one PUBLISH at time `now` (ms, `performance.now()`). */
  take(now: number): QuotaVerdict {
    if (this.#publishes.take(now)) return 'within';
    return this.#refusals.take(now) ? 'over' : 'ignored';
  }
}
