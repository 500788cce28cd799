/**
 * Latency percentiles (hdr-histogram-js, microsecond resolution, 3 significant digits) and
 * the small number helpers every scenario uses to fill its tables.
 */
import { build, type Histogram } from 'hdr-histogram-js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Records latencies given in milliseconds; reads percentiles back in milliseconds. */
export class LatencyRecorder {
  private readonly histogram: Histogram = build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: 3,
  });

  record(milliseconds: number): void {
    if (!Number.isFinite(milliseconds)) return;
    // One microsecond is the resolution; a sample is never recorded as zero.
    this.histogram.recordValue(Math.max(1, Math.round(milliseconds * 1000)));
  }

  reset(): void {
    this.histogram.reset();
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** q in 0..100. NaN when empty. */
  percentile(q: number): number {
    if (this.histogram.totalCount === 0) return Number.NaN;
    return this.histogram.getValueAtPercentile(q) / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.count === 0 ? Number.NaN : this.histogram.maxValue / 1000,
    };
  }
}

/** A table cell: finite numbers rounded to `digits` decimals, anything else null. */
export function num(value: number | undefined, digits = 2): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** `a / b` for a report ("1.84×"); "—" when either side is missing. */
export function ratioText(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a / b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

/** Polls `done` every 10 ms until it holds or `timeoutMs` passes; says which. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(10);
  }
  return true;
}

/** Runs `work` over `count` items with at most `concurrency` under way at once. */
export async function pool<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
