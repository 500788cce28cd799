import { describe, expect, it } from 'vitest';
import { limits } from './limits.ts';
import { expectIssue, expectOk, json, now, validReading } from './test-helpers.ts';
import { parseTelemetry } from './validate.ts';

const at = { now };

describe('parseTelemetry checks the time window', () => {
  it('refuses a reading further ahead than 5 minutes', () => {
    const reading = { ...validReading(), ts: now + limits.window.maxFutureMs + 1 };
    const issue = expectIssue(
      parseTelemetry(json(reading), at),
      'TWW_TIMESTAMP_OUT_OF_WINDOW',
      '/ts',
    );
    expect(issue.got).toMatch(/in the future/);
    expect(issue.expected).toContain(new Date(now).toISOString());
  });

  it('refuses a reading older than 30 days', () => {
    const reading = { ...validReading(), ts: now - limits.window.maxPastMs - 1 };
    expectIssue(parseTelemetry(json(reading), at), 'TWW_TIMESTAMP_OUT_OF_WINDOW', '/ts');
  });

  it('points at the offending point of a batch', () => {
    const points = [validReading(), { ...validReading(), ts: now + 3_600_000 }];
    expectIssue(
      parseTelemetry(json({ points }), at),
      'TWW_TIMESTAMP_OUT_OF_WINDOW',
      '/points/1/ts',
    );
  });

  it('takes the window per call, and Infinity disables a bound', () => {
    const old = { ...validReading(), ts: Date.UTC(2001, 0, 1) };
    expectIssue(parseTelemetry(json(old), at), 'TWW_TIMESTAMP_OUT_OF_WINDOW');
    expectOk(parseTelemetry(json(old), { now, maxPastMs: Infinity }));
    const soon = { ...validReading(), ts: now + 60_000 };
    expectIssue(
      parseTelemetry(json(soon), { now, maxFutureMs: 1000 }),
      'TWW_TIMESTAMP_OUT_OF_WINDOW',
    );
  });

  it('defaults now to the current clock', () => {
    expectOk(parseTelemetry(json({ ...validReading(), ts: Date.now() })));
    expectIssue(parseTelemetry(json(validReading())), 'TWW_TIMESTAMP_OUT_OF_WINDOW');
  });
});
