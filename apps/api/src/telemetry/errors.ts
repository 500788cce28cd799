import createError from '@fastify/error';

// Same code and shape as schema validation failures: the caller fixes the query string.
export const InvalidQuery = createError('TWW_VALIDATION', '%s', 400);
export const TooManyBuckets = createError('TWW_TOO_MANY_BUCKETS', '%s', 400);

export const QUERY_TIMEOUT = {
  code: 'TWW_QUERY_TIMEOUT',
  message:
    'the query took longer than the server allows: narrow the range, or ask for fewer points',
} as const;

/** SQLSTATE 57014 (query_canceled), raised by statement_timeout; drizzle wraps it in `cause`. */
export function isStatementTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 4; depth += 1) {
    if ((current as { code?: unknown }).code === '57014') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
