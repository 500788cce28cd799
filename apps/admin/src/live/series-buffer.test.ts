import { describe, expect, it } from 'vitest';
import type { StoredReading } from '../api/telemetry-api.ts';
import { SeriesBuffer } from './series-buffer.ts';

const reading = (ts: number, seq: number, value: number): StoredReading => ({
  ts,
  seq,
  metrics: { temperature: value },
});
const run = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => reading(1000 * (from + i), from + i, from + i));

const buffer = () => new SeriesBuffer({ windowMs: 3_600_000, maxPoints: 10_000 });

describe('SeriesBuffer', () => {
  it('joins history and live at the seam with no duplicate and no gap', () => {
    const series = buffer();
    series.insert(run(1, 10)); // history, ending at the seam
    series.insert(run(9, 15)); // live, repeating the last two history readings
    expect(series.timestamps).toEqual(run(1, 15).map((r) => r.ts));
    expect(series.column('temperature')).toEqual(run(1, 15).map((r) => r.seq));
  });

  it('sorts live readings that arrive before the backfill', () => {
    const series = buffer();
    series.insert(run(20, 25)); // the socket was faster than the REST backfill
    series.insert(run(1, 22));
    expect(series.timestamps).toEqual(run(1, 25).map((r) => r.ts));
  });

  it('orders readings with the same timestamp by sequence number', () => {
    const series = buffer();
    series.insert([reading(5000, 3, 3), reading(5000, 1, 1), reading(5000, 2, 2)]);
    expect(series.column('temperature')).toEqual([1, 2, 3]);
  });

  it('counts only new readings', () => {
    const series = buffer();
    expect(series.insert(run(1, 5))).toBe(5);
    expect(series.insert(run(3, 7))).toBe(2);
    expect(series.size).toBe(7);
  });

  it('charts booleans as 1/0, leaves text out of the chart but keeps it in the readings', () => {
    const series = buffer();
    series.insert([
      { ts: 1000, seq: 1, metrics: { on: true, mode: 'eco' } },
      { ts: 2000, seq: 2, metrics: { on: false, mode: 'boost' } },
    ]);
    expect(series.chartableMetrics()).toEqual(['on']);
    expect(series.column('on')).toEqual([1, 0]);
    expect(series.newest(1)[0]?.metrics.mode).toBe('boost');
  });

  it('fills a metric that appears later with gaps before it, keeping columns aligned', () => {
    const series = buffer();
    series.insert([reading(1000, 1, 1)]);
    series.insert([{ ts: 2000, seq: 2, metrics: { temperature: 2, humidity: 40 } }]);
    series.insert([{ ts: 500, seq: 0, metrics: { humidity: 39 } }]);
    expect(series.column('humidity')).toEqual([39, null, 40]);
    expect(series.column('temperature')).toEqual([null, 1, 2]);
  });

  it('drops readings that left the window and refuses them if they arrive again', () => {
    const series = new SeriesBuffer({ windowMs: 5000, maxPoints: 100 });
    series.insert(run(1, 10));
    series.trim(10_000);
    expect(series.timestamps[0]).toBe(5000);
    expect(series.insert([reading(2000, 2, 2)])).toBe(0);
    expect(series.size).toBe(6);
  });

  it('keeps at most maxPoints, the newest', () => {
    const series = new SeriesBuffer({ windowMs: 1e12, maxPoints: 3 });
    series.insert(run(1, 10));
    series.trim(10_000);
    expect(series.column('temperature')).toEqual([8, 9, 10]);
  });

  it('tells subscribers when it changed, and not when nothing was new', () => {
    const series = buffer();
    let calls = 0;
    series.subscribe(() => (calls += 1));
    series.insert(run(1, 3));
    series.insert(run(1, 3));
    expect(calls).toBe(1);
  });

  it('lists the newest readings first', () => {
    const series = buffer();
    series.insert(run(1, 5));
    expect(series.newest(2).map((r) => r.seq)).toEqual([5, 4]);
  });
});
