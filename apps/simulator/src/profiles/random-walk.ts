export interface RandomWalkOptions {
  start: number;
  /** Largest change per step (uniform in [-step, step]). */
  step: number;
  min: number;
  max: number;
  /** Mean reversion: each step moves this fraction of the way back toward `mean`. */
  reversion?: { mean: number; strength: number };
  /** Decimal places kept; readings from real sensors have a resolution. */
  decimals?: number;
}

/**
 * A bounded random walk, optionally mean-reverting (an Ornstein–Uhlenbeck-like drift):
 * what a temperature or a current looks like between two samples. Values reflect off the
 * bounds instead of sticking to them.
 */
export function randomWalk(options: RandomWalkOptions, random: () => number): () => number {
  const { step, min, max, reversion } = options;
  const scale = 10 ** (options.decimals ?? 2);
  let value = options.start;
  return () => {
    let next = value + (random() * 2 - 1) * step;
    if (reversion) next += (reversion.mean - next) * reversion.strength;
    if (next > max) next = max - (next - max);
    if (next < min) next = min + (min - next);
    value = Math.min(max, Math.max(min, next));
    return Math.round(value * scale) / scale;
  };
}

/** A seeded generator (mulberry32): reproducible fleets and tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
