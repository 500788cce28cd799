import pg from 'pg';
import { expect, it } from 'vitest';
import { isTransientDbError } from './transient-error.ts';

function databaseError(code: string): pg.DatabaseError {
  const error = new pg.DatabaseError('server said no', 0, 'error');
  error.code = code;
  return error;
}

it('retries what may succeed later: lost connections, shutdowns, overload, serialization conflicts', () => {
  for (const code of ['08006', '57P01', '57014', '53300', '40001', '40P01']) {
    expect(isTransientDbError(databaseError(code)), code).toBe(true);
  }
  expect(
    isTransientDbError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
  ).toBe(true);
});

it('does not retry what the database refuses about the data or statement itself', () => {
  for (const code of ['23505', '22P05', '22021', '42601', '42P01']) {
    expect(isTransientDbError(databaseError(code)), code).toBe(false);
  }
  expect(isTransientDbError('not an error')).toBe(false);
});
