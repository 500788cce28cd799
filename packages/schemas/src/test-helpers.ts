import { expect } from 'vitest';
import type { ParseResult, ValidationIssue, ValidationIssueCode } from './parse-result.ts';

/** A fixed receiver clock for tests: 2025-06-01T12:00:00Z. */
export const now = Date.UTC(2025, 5, 1, 12);

export function validReading(metrics: Record<string, unknown> = { temp: 21.5 }): {
  ts: number;
  seq: number;
  metrics: Record<string, unknown>;
} {
  return { ts: now - 1000, seq: 7, metrics };
}

export function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Asserts a refusal with `code` at `path` and returns the issue for further checks. */
export function expectIssue<T>(
  result: ParseResult<T>,
  code: ValidationIssueCode,
  path?: string,
): ValidationIssue {
  if (result.ok) throw new Error(`expected ${code}, got ok: ${JSON.stringify(result.value)}`);
  expect(result.error.code).toBe(code);
  if (path !== undefined) expect(result.error.path).toBe(path);
  expect(result.error.message.length).toBeLessThanOrEqual(400);
  return result.error;
}

export function expectOk<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.message}`);
  return result.value;
}
