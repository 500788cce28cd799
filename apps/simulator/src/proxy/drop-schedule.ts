/**
 * Time until the next random connection drop: drops arrive as a Poisson process at
 * `dropsPerMinute`, so the gaps are exponentially distributed with that mean rate.
 */
export function nextDropDelayMs(dropsPerMinute: number, random: () => number): number {
  if (dropsPerMinute <= 0) return Number.POSITIVE_INFINITY;
  const u = Math.min(random(), 1 - Number.EPSILON);
  return (-Math.log(1 - u) / dropsPerMinute) * 60_000;
}
