import type uPlot from 'uplot';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const twoDigits = (value: number) => String(value).padStart(2, '0');
const monthDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/**
 * One short label per tick, sized to the range shown: seconds for a few minutes, hours and
 * minutes within two days, the date beyond. Short labels and a wide tick spacing
 * ({@link TIME_AXIS_SPACE}) keep neighbours from overlapping.
 */
export function formatTick(ms: number, spanMs: number): string {
  const time = new Date(ms);
  if (spanMs > 2 * DAY) return monthDay.format(time);
  const hm = `${twoDigits(time.getHours())}:${twoDigits(time.getMinutes())}`;
  return spanMs <= 5 * MINUTE ? `${hm}:${twoDigits(time.getSeconds())}` : hm;
}

/** Minimum pixels between x ticks: the widest label ("00:00:00" at 12 px) and a gap. */
export const TIME_AXIS_SPACE = 80;

/** uPlot x-axis options for epoch-millisecond data. */
export function timeAxisValues(): uPlot.Axis['values'] {
  return (plot, splits) => {
    const { min, max } = plot.scales.x ?? {};
    const span = (max ?? 0) - (min ?? 0);
    return splits.map((split) => formatTick(split, span));
  };
}

/**
 * Null rows where readings stop for a while, so a line breaks at an outage instead of
 * joining across it. The gap threshold follows the series' own pace: three times its 90th
 * percentile interval (a bursty device's pauses are not outages; with fewer than 20
 * intervals, the median, so one outage is not taken for the pace), at least `minGapMs`.
 */
export function withGaps(
  times: readonly number[],
  columns: readonly (readonly (number | null)[])[],
  minGapMs = 5_000,
): { times: number[]; columns: (number | null)[][] } {
  const intervals = times
    .slice(1)
    .map((time, index) => time - (times[index] ?? time))
    .sort((a, b) => a - b);
  const quantile = intervals.length >= 20 ? 0.9 : 0.5;
  const pace = intervals[Math.floor(intervals.length * quantile)] ?? 0;
  return breakAt(times, columns, Math.max(minGapMs, 3 * pace));
}

/** Null rows wherever consecutive times are more than `maxStepMs` apart. */
export function breakAt(
  times: readonly number[],
  columns: readonly (readonly (number | null)[])[],
  maxStepMs: number,
): { times: number[]; columns: (number | null)[][] } {
  const outTimes: number[] = [];
  const outColumns = columns.map(() => [] as (number | null)[]);
  times.forEach((time, index) => {
    const previous = times[index - 1];
    if (previous !== undefined && time - previous > maxStepMs) {
      outTimes.push(previous + 1);
      for (const column of outColumns) column.push(null);
    }
    outTimes.push(time);
    columns.forEach((column, c) => outColumns[c]?.push(column[index] ?? null));
  });
  return { times: outTimes, columns: outColumns };
}
