import { codedError } from '../errors.ts';

// Same code and shape as schema validation failures: the caller fixes the query string.
export const InvalidQuery = codedError('TWW_VALIDATION', '%s', 400);
export const TooManyBuckets = codedError('TWW_TOO_MANY_BUCKETS', '%s', 400);

export const QueryTimeout = codedError(
  'TWW_QUERY_TIMEOUT',
  'the query took longer than the server allows: narrow the range, or ask for fewer points',
  503,
);

/** SQLSTATE 57014 (query_canceled), raised by statement_timeout; drizzle wraps it in `cause`. */
export function isStatementTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth += 1) {
    if ((current as { code?: unknown }).code === '57014') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
