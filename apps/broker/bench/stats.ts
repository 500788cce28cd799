/** One printed row; every benchmark table has exactly these columns. */
import { setTimeout as sleep } from 'node:timers/promises';
export interface Row {
  benchmark: string;
  'msgs/s': string;
  'p50 (ms)': string;
  'p99 (ms)': string;
  'CPU µs/msg': string;
  memory: string;
  'vs mosquitto': string;
  target: string;
}

export const NONE = '—';

export function row({ benchmark, ...fields }: Partial<Row> & { benchmark: string }): Row {
  // Key order is column order in console.table.
  return {
    benchmark,
    'msgs/s': NONE,
    'p50 (ms)': NONE,
    'p99 (ms)': NONE,
    'CPU µs/msg': NONE,
    memory: NONE,
    'vs mosquitto': NONE,
    target: NONE,
    ...fields,
  };
}

/** Latency samples in ms; sorted once when read. */
export class Samples {
  private values: number[] = [];
  private sorted = true;

  add(value: number): void {
    this.values.push(value);
    this.sorted = false;
  }

  get count(): number {
    return this.values.length;
  }

  quantile(q: number): number {
    if (this.values.length === 0) return Number.NaN;
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const index = Math.min(this.values.length - 1, Math.floor(this.values.length * q));
    return this.values[index]!;
  }

  addAll(other: Samples): void {
    for (const value of other.values) this.values.push(value);
    this.sorted = false;
  }

  /** Share (0..1) of samples within [low, high]. */
  shareBetween(low: number, high: number): number {
    if (this.values.length === 0) return 0;
    let inside = 0;
    for (const value of this.values) if (value >= low && value <= high) inside += 1;
    return inside / this.values.length;
  }
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return NONE;
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

export function rate(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : NONE;
}

export function micros(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : NONE;
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB RSS`;
}

export function ratio(ours: number, theirs: number): string {
  return times(ours / theirs);
}

/** A ratio already computed, as `1.23×`. */
export function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : NONE;
}

export function verdict(met: boolean): string {
  return met ? 'met' : 'missed';
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

const benchStarted = Date.now();

/** Progress goes to stderr, stamped with the time since start, so stdout holds only tables. */
export function progress(message: string): void {
  const elapsed = ((Date.now() - benchStarted) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`broker bench [${elapsed}s] ${message}\n`);
}

/**
 * Polls `done` every 20 ms until it holds or `timeoutMs` passes; says which. Unlike
 * `@twinwire/testing/wait-until`, a timeout is a result here, not a failure: the bench goes
 * on and reports what did arrive.
 */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}
