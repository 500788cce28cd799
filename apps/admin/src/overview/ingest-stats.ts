/**
 * Readings per second and delivery delay over a sliding window of live telemetry messages.
 * The delay is measured per message, from its newest reading: a device that batches sends
 * points that are minutes old on purpose, and counting those made the platform look slow.
 */
export interface IngestSnapshot {
  readingsPerSecond: number;
  /**
   * Per message: when the API received it minus its newest reading's timestamp (device clock
   * to platform, so a device clock running behind adds to it); null without messages.
   */
  lagMs: { p50: number; p95: number; max: number } | null;
  /** Share of readings that arrived in messages carrying more than one. */
  batchedShare: number;
  windowMs: number;
}

interface Sample {
  receivedAt: number;
  lagMs: number;
  readings: number;
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
    if (readingTimestamps.length === 0) return;
    if (this.samples.length - this.head >= MAX_SAMPLES) {
      this.unsampled.push({ receivedAt, count: readingTimestamps.length });
      return;
    }
    const newest = Math.max(...readingTimestamps);
    this.samples.push({
      receivedAt,
      lagMs: Math.max(0, receivedAt - newest),
      readings: readingTimestamps.length,
    });
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
    const sampled = live.reduce((sum, sample) => sum + sample.readings, 0);
    const batched = live.reduce(
      (sum, sample) => sum + (sample.readings > 1 ? sample.readings : 0),
      0,
    );
    const count = sampled + this.unsampled.reduce((sum, entry) => sum + entry.count, 0);
    const lags = live.map((sample) => sample.lagMs).sort((a, b) => a - b);
    return {
      readingsPerSecond: count / (this.windowMs / 1000),
      batchedShare: sampled === 0 ? 0 : batched / sampled,
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
