import { describe, expect, it } from 'vitest';
import { panelsByUnit, unitOf } from './metric-units.ts';
import { breakAt, formatTick, withGaps } from './time-axis.ts';

describe('units', () => {
  it('takes a declared unit first, then the name’s suffix', () => {
    expect(unitOf('energy_kwh')).toBe('kWh');
    expect(unitOf('voltage_v')).toBe('V');
    expect(unitOf('power_factor')).toBeUndefined();
    expect(unitOf('temperature', { temperature: '°C' })).toBe('°C');
  });

  it('draws metrics of one unit together and every other unit apart', () => {
    expect(
      panelsByUnit(['power_factor', 'energy_kwh', 'power_w', 'voltage_v', 'current_a', 'load_w']),
    ).toEqual([
      { unit: 'A', metrics: ['current_a'] },
      { unit: 'kWh', metrics: ['energy_kwh'] },
      { unit: 'W', metrics: ['load_w', 'power_w'] },
      { unit: undefined, metrics: ['power_factor'] },
      { unit: 'V', metrics: ['voltage_v'] },
    ]);
  });
});

describe('gaps', () => {
  it('breaks the line where readings stop, not between regular ones', () => {
    const times = [0, 1000, 2000, 3000, 60_000, 61_000];
    const { times: out, columns } = withGaps(times, [[1, 2, 3, 4, 5, 6]]);
    expect(out).toEqual([0, 1000, 2000, 3000, 3001, 60_000, 61_000]);
    expect(columns).toEqual([[1, 2, 3, 4, null, 5, 6]]);
  });

  it('does not take a bursty device’s pauses for outages', () => {
    // Bursts of four readings 5 ms apart, one burst every 8 s.
    const times = Array.from({ length: 40 }, (_, i) => Math.floor(i / 4) * 8000 + (i % 4) * 5);
    expect(withGaps(times, [times.map(() => 1)]).times).toEqual(times);
  });

  it('breaks buckets where a bucket is missing', () => {
    expect(breakAt([0, 60_000, 180_000], [[1, 2, 3]], 60_000).columns).toEqual([[1, 2, null, 3]]);
  });
});

describe('time axis labels', () => {
  const at = new Date(2026, 11, 7, 13, 54, 7).getTime();
  it('are short and sized to the range', () => {
    expect(formatTick(at, 60_000)).toBe('13:54:07');
    expect(formatTick(at, 3_600_000)).toBe('13:54');
    expect(formatTick(at, 7 * 24 * 3_600_000)).toMatch(/Dec 7|7 Dec/);
  });
});
