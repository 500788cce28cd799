import { limits } from './limits.ts';
import type { TelemetryParseOptions, ValidationIssue } from './parse-result.ts';
import { issueAt } from './parse-result.ts';
import type { TelemetryReading } from './telemetry.ts';

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : 'unbounded';
}

/**
 * The first reading whose `ts` lies outside the window around the receiver's clock, as an
 * issue pointing at it (`${readingPath}/ts`, or `/points/{i}/ts` for a batch).
 * Plain comparisons only: this runs for every reading.
 */
export function findWindowIssue(
  readings: readonly TelemetryReading[],
  options: TelemetryParseOptions | undefined,
  readingPath: string | undefined,
): ValidationIssue | undefined {
  const now = options?.now ?? Date.now();
  const latest = now + (options?.maxFutureMs ?? limits.window.maxFutureMs);
  const earliest = now - (options?.maxPastMs ?? limits.window.maxPastMs);
  for (let i = 0; i < readings.length; i++) {
    const ts = readings[i]?.ts;
    if (ts === undefined || (ts <= latest && ts >= earliest)) continue;
    const path = readingPath === undefined ? `/points/${i}/ts` : `${readingPath}/ts`;
    const expected = `epoch milliseconds from ${iso(earliest)} to ${iso(latest)} (receiver clock ${iso(now)})`;
    const got = `${ts} (${iso(ts)}, ${ts > latest ? 'in the future' : 'too old'})`;
    return issueAt('TWW_TIMESTAMP_OUT_OF_WINDOW', path, expected, got);
  }
  return undefined;
}
