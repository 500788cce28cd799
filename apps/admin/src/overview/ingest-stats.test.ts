import { describe, expect, it } from 'vitest';
import { IngestStats } from './ingest-stats.ts';

describe('IngestStats', () => {
  it('reports no rate and no lag before any reading', () => {
    expect(new IngestStats(10_000).snapshot(0)).toEqual({
      readingsPerSecond: 0,
      lagMs: null,
      batchedShare: 0,
      windowMs: 10_000,
    });
  });

  it('counts every reading of a batch and averages over the window', () => {
    const stats = new IngestStats(10_000);
    stats.record(1000, [900, 950, 990]);
    stats.record(2000, [1990]);
    expect(stats.snapshot(5000).readingsPerSecond).toBe(0.4);
  });

  it('measures a batch’s delay from its newest reading: batching on purpose is not lag', () => {
    const stats = new IngestStats(10_000);
    // A device sending a minute of points at once, the newest 40 ms old.
    stats.record(100_000, [40_000, 60_000, 80_000, 99_960]);
    stats.record(100_000, [99_980]);
    const snapshot = stats.snapshot(100_000);
    expect(snapshot.lagMs).toEqual({ p50: 20, p95: 40, max: 40 });
    expect(snapshot.batchedShare).toBe(0.8);
  });

  it('measures lag as received-at minus the reading timestamp', () => {
    const stats = new IngestStats(10_000);
    for (let i = 1; i <= 100; i++) stats.record(10_000, [10_000 - i]);
    expect(stats.snapshot(10_000).lagMs).toEqual({ p50: 50, p95: 95, max: 100 });
  });

  it('forgets readings that left the window', () => {
    const stats = new IngestStats(10_000);
    stats.record(1000, [1000]);
    stats.record(12_000, [11_000]);
    const snapshot = stats.snapshot(15_000);
    expect(snapshot.readingsPerSecond).toBe(0.1);
    expect(snapshot.lagMs?.max).toBe(1000);
  });

  it('treats a reading stamped ahead of the receiver clock as no lag', () => {
    const stats = new IngestStats(10_000);
    stats.record(1000, [1500]);
    expect(stats.snapshot(1000).lagMs?.max).toBe(0);
  });
});
