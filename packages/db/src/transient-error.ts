import pg from 'pg';

// SQLSTATE classes and codes worth retrying: the server went away or is not ready yet,
// a statement was cancelled (timeout, admin), or a conflict that succeeds when retried.
const TRANSIENT_CLASSES = new Set(['08', '53', '57', '58']);
const TRANSIENT_CODES = new Set(['40001', '40P01', '55P03']);

/**
 * True when retrying later may succeed. Errors the server raised about the data or the
 * statement itself (constraint, syntax, type) are permanent; network-level errors (no
 * SQLSTATE: refused, reset, "Connection terminated") are transient.
 */
export function isTransientDbError(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    return TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2));
  }
  return error instanceof Error;
}
