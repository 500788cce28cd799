import { InvalidQuery } from './errors.ts';

const HOUR_MS = 3_600_000;

/** [from, to) from the query, defaulting to the hour before `to` (itself defaulting to now). */
export function resolveRange(
  query: { from?: number | undefined; to?: number | undefined },
  now = Date.now(),
): { from: number; to: number } {
  const to = query.to ?? (query.from !== undefined ? Math.max(now, query.from) : now);
  const from = query.from ?? Math.max(0, to - HOUR_MS);
  if (from > to) throw new InvalidQuery(`querystring/from: must not be after to (${to})`);
  return { from, to };
}

/** `a,b , c` → ['a', 'b', 'c']; names are data (bound as a parameter), never SQL. */
export function parseMetrics(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = [...new Set(text.split(',').map((name) => name.trim()))].filter(Boolean);
  if (names.length === 0) throw new InvalidQuery('querystring/metrics: name at least one metric');
  if (names.length > 100) throw new InvalidQuery('querystring/metrics: at most 100 metrics');
  return names;
}
