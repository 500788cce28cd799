import type { ErrorCode } from './error-codes.ts';

/** Codes from the closed union: a name outside it does not compile. */
type Codes<T extends ErrorCode> = T;

export type ValidationIssueCode = Codes<
  | 'TWW_PAYLOAD_TOO_LARGE'
  | 'TWW_INVALID_JSON'
  | 'TWW_INVALID_PAYLOAD'
  | 'TWW_TIMESTAMP_OUT_OF_WINDOW'
>;

/** Why a payload was refused, worded for the device developer who sent it. */
export interface ValidationIssue {
  code: ValidationIssueCode;
  /** One line: `"/metrics/temp: expected number, boolean or string (≤ 256 chars), got object"`. */
  message: string;
  /** JSON pointer to the offending value (`""` is the whole payload). */
  path?: string;
  expected?: string;
  /** What was found, truncated: never the whole offending value. */
  got?: string;
}

export interface ParseSuccess<T> {
  ok: true;
  value: T;
}

export interface ParseFailure {
  ok: false;
  error: ValidationIssue;
}

export type ParseResult<T> = ParseSuccess<T> | ParseFailure;

/** The acceptance window for reading timestamps, relative to the receiver's clock. */
export interface TelemetryParseOptions {
  /** The receiver's clock in epoch milliseconds; defaults to `Date.now()`. */
  now?: number;
  /** How far ahead of `now` a reading may be; `Infinity` disables the bound. */
  maxFutureMs?: number;
  /** How far behind `now` a reading may be; `Infinity` disables the bound. */
  maxPastMs?: number;
}

export function fail(issue: ValidationIssue): ParseFailure {
  return { ok: false, error: issue };
}

/** Builds the issue for a value at `path`, with the message every consumer shows. */
export function issueAt(
  code: ValidationIssueCode,
  path: string,
  expected: string,
  got: string,
): ValidationIssue {
  return {
    code,
    message: `${path === '' ? '/' : path}: expected ${expected}, got ${got}`,
    path,
    expected,
    got,
  };
}
