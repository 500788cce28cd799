const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bucket sizes a chart axis reads well; `points` picks the smallest one that fits. */
const ROUND_SIZES = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

export const MAX_BUCKETS = 10_000;

/** Epoch-aligned buckets of `bucketMs` that [from, to) touches. */
function bucketCount(from: number, to: number, bucketMs: number): number {
  if (to <= from) return 0;
  return Math.floor((to - 1) / bucketMs) - Math.floor(from / bucketMs) + 1;
}

/** The smallest round bucket size giving at most `points` buckets over [from, to). */
export function bucketForPoints(from: number, to: number, points: number): number {
  for (const size of ROUND_SIZES) if (bucketCount(from, to, size) <= points) return size;
  let size = 2 * DAY;
  while (bucketCount(from, to, size) > points) size *= 2;
  return size;
}

const formatter = new Intl.NumberFormat('en-US');

function formatDuration(ms: number): string {
  return ms % SECOND === 0 ? `${formatter.format(ms / SECOND)} s` : `${formatter.format(ms)} ms`;
}

/** Why a range at this bucket size is refused, and what to change; undefined when allowed. */
export function tooManyBuckets(from: number, to: number, bucketMs: number): string | undefined {
  const count = bucketCount(from, to, bucketMs);
  if (count <= MAX_BUCKETS) return undefined;
  // One bucket fewer than the limit covers a range that does not start on a bucket boundary.
  const minimumSeconds = Math.ceil((to - from) / (MAX_BUCKETS - 1) / SECOND);
  return (
    `this range at ${formatDuration(bucketMs)} buckets is ${formatter.format(count)} buckets; ` +
    `the limit is ${formatter.format(MAX_BUCKETS)}: use bucket ≥ ${formatter.format(minimumSeconds)} s ` +
    `or points ≤ ${MAX_BUCKETS}, or a shorter range`
  );
}
