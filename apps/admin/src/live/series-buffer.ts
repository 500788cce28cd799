import type { MetricValue, StoredReading } from '../api/telemetry-api.ts';

export interface SeriesBufferOptions {
  /** Readings older than `now - windowMs` are dropped on {@link SeriesBuffer.trim}. */
  windowMs: number;
  /** At most this many readings are kept, newest first. */
  maxPoints: number;
}

/** A metric's chartable value: numbers as they are, booleans as 1/0, text not charted. */
function chartValue(value: MetricValue | undefined): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

const keyOf = (reading: { ts: number; seq: number }) => `${reading.ts}:${reading.seq}`;

/**
 * One device's readings for a live chart, from any mix of sources (REST backfill, the live
 * socket's history, the live stream, a replay after reconnecting) in any order: kept sorted
 * by (ts, seq), each reading once. Storage is columnar so a chart reads it without copying.
 */
export class SeriesBuffer {
  /** Epoch ms, ascending; the chart's x values. */
  readonly timestamps: number[] = [];
  private readonly seqs: number[] = [];
  private readonly readings: StoredReading[] = [];
  private readonly columns = new Map<string, (number | null)[]>();
  private readonly keys = new Set<string>();
  private oldestKept = -Infinity;
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change, so a view can tell whether it is current. */
  version = 0;

  constructor(private readonly options: SeriesBufferOptions) {}

  get size(): number {
    return this.timestamps.length;
  }

  /** Names of metrics with at least one chartable value, sorted. */
  chartableMetrics(): string[] {
    return [...this.columns.entries()]
      .filter(([, values]) => values.some((value) => value !== null))
      .map(([name]) => name)
      .sort();
  }

  /** The values of `metric`, aligned with {@link timestamps}. */
  column(metric: string): readonly (number | null)[] {
    return this.columns.get(metric) ?? [];
  }

  /** The newest `count` readings, newest first. */
  newest(count: number): StoredReading[] {
    return this.readings.slice(-count).reverse();
  }

  /** Adds readings not seen before; returns how many were new. */
  insert(readings: Iterable<StoredReading>): number {
    let added = 0;
    for (const reading of readings) {
      if (reading.ts < this.oldestKept) continue;
      const key = keyOf(reading);
      if (this.keys.has(key)) continue;
      this.keys.add(key);
      this.insertAt(this.indexFor(reading), reading);
      added += 1;
    }
    if (added > 0) this.changed();
    return added;
  }

  /** Drops readings that fell out of the window (relative to `now`) or over the point cap. */
  trim(now: number): void {
    this.oldestKept = now - this.options.windowMs;
    let drop = lowerBound(this.timestamps, this.oldestKept);
    drop = Math.max(drop, this.timestamps.length - this.options.maxPoints);
    if (drop <= 0) return;
    for (const reading of this.readings.slice(0, drop)) this.keys.delete(keyOf(reading));
    this.timestamps.splice(0, drop);
    this.seqs.splice(0, drop);
    this.readings.splice(0, drop);
    for (const values of this.columns.values()) values.splice(0, drop);
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where (ts, seq) belongs: usually the end, since readings mostly arrive in order. */
  private indexFor(reading: StoredReading): number {
    const last = this.timestamps.length - 1;
    if (
      last < 0 ||
      reading.ts > (this.timestamps[last] ?? 0) ||
      (reading.ts === this.timestamps[last] && reading.seq > (this.seqs[last] ?? 0))
    )
      return last + 1;
    let low = 0;
    let high = last + 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const ts = this.timestamps[mid] ?? 0;
      const before = ts < reading.ts || (ts === reading.ts && (this.seqs[mid] ?? 0) < reading.seq);
      if (before) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private insertAt(index: number, reading: StoredReading): void {
    const length = this.timestamps.length;
    for (const name of Object.keys(reading.metrics)) {
      if (!this.columns.has(name))
        this.columns.set(name, new Array<number | null>(length).fill(null));
    }
    const append = index === length;
    const put = <T>(array: T[], value: T) => {
      if (append) array.push(value);
      else array.splice(index, 0, value);
    };
    put(this.timestamps, reading.ts);
    put(this.seqs, reading.seq);
    put(this.readings, reading);
    for (const [name, values] of this.columns) put(values, chartValue(reading.metrics[name]));
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }
}

/** The first index whose value is ≥ `target` in an ascending array. */
function lowerBound(values: readonly number[], target: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] ?? 0) < target) low = mid + 1;
    else high = mid;
  }
  return low;
}
