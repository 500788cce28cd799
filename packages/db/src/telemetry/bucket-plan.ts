import { ROLLUP_LEVELS } from './rollup-levels.ts';

/** [from, to) in epoch ms. */
export type Span = readonly [from: number, to: number];

interface LevelPlan {
  /** Whole units of this level answered at this level or finer (dirty units finer). */
  span: Span;
  /** The parts of `span` read from this level's own rows: what the next level leaves over. */
  edges: Span[];
}

export interface BucketPlan {
  /** Read from raw readings: the partial minutes at the range's edges, or everything. */
  raw: Span[];
  /** One entry per rollup level used, finest first (`ROLLUP_LEVELS` order). */
  levels: LevelPlan[];
}

const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;
const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const nonEmpty = (spans: Span[]) => spans.filter(([lo, hi]) => lo < hi);

/**
 * Which source answers which part of [from, to) for epoch-aligned buckets of `bucketMs`. A
 * rollup row can only feed a bucket it lies wholly inside, so a level serves only buckets
 * that are whole multiples of its width; each coarser level takes the whole units inside the
 * finer one's span, and the finer one keeps the edges.
 */
export function planBuckets(from: number, to: number, bucketMs: number): BucketPlan {
  const spans: Span[] = [];
  let [lo, hi] = [from, to];
  for (const level of ROLLUP_LEVELS) {
    if (bucketMs % level.widthMs !== 0) break;
    const next: Span = [ceilTo(lo, level.widthMs), floorTo(hi, level.widthMs)];
    if (next[0] >= next[1]) break;
    spans.push(next);
    [lo, hi] = next;
  }
  const first = spans[0];
  if (!first) return { raw: [[from, to]], levels: [] };
  return {
    raw: nonEmpty([
      [from, first[0]],
      [first[1], to],
    ]),
    levels: spans.map((span, index) => {
      const inner = spans[index + 1];
      return {
        span,
        edges: inner
          ? nonEmpty([
              [span[0], inner[0]],
              [inner[1], span[1]],
            ])
          : [span],
      };
    }),
  };
}
