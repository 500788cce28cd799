/** Readings per second and ingest lag over a sliding window of live telemetry messages. */
export interface IngestSnapshot {
  readingsPerSecond: number;
  /** Received-at minus reading timestamp, over the window; null without readings. */
  lagMs: { p50: number; p95: number; max: number } | null;
  windowMs: number;
}

interface Sample {
  receivedAt: number;
  lagMs: number;
}

/** At most this many samples are kept; beyond it the window's rate is still exact. */
const MAX_SAMPLES = 20_000;

export class IngestStats {
  private samples: Sample[] = [];
  private head = 0;
  /** Readings in the window that were not sampled because the cap was reached. */
  private unsampled: { receivedAt: number; count: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  /** One live telemetry message: when the API got it and the timestamps of its readings. */
  record(receivedAt: number, readingTimestamps: readonly number[]): void {
    let unsampled = 0;
    for (const ts of readingTimestamps) {
      if (this.samples.length - this.head < MAX_SAMPLES)
        this.samples.push({ receivedAt, lagMs: Math.max(0, receivedAt - ts) });
      else unsampled += 1;
    }
    if (unsampled > 0) this.unsampled.push({ receivedAt, count: unsampled });
  }

  snapshot(now: number): IngestSnapshot {
    const cutoff = now - this.windowMs;
    while (this.head < this.samples.length && (this.samples[this.head]?.receivedAt ?? 0) < cutoff)
      this.head += 1;
    if (this.head > 4096) {
      this.samples = this.samples.slice(this.head);
      this.head = 0;
    }
    this.unsampled = this.unsampled.filter((entry) => entry.receivedAt >= cutoff);
    const live = this.samples.slice(this.head);
    const count = live.length + this.unsampled.reduce((sum, entry) => sum + entry.count, 0);
    const lags = live.map((sample) => sample.lagMs).sort((a, b) => a - b);
    return {
      readingsPerSecond: count / (this.windowMs / 1000),
      lagMs:
        lags.length === 0
          ? null
          : { p50: quantile(lags, 0.5), p95: quantile(lags, 0.95), max: lags.at(-1) ?? 0 },
      windowMs: this.windowMs,
    };
  }
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}
