import { describe, expect, it } from 'vitest';
import { limits } from './limits.ts';
import { expectIssue, expectOk, json, now, validReading } from './test-helpers.ts';
import { parseTelemetry, validateTelemetry } from './validate.ts';

const at = { now };

function metrics(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`m${i}`, i]));
}

describe('parseTelemetry accepts', () => {
  it('a single reading as a Buffer and returns it as a one-element array', () => {
    const reading = validReading({ temp: 21.5, on: true, mode: 'eco', count: -3 });
    expect(expectOk(parseTelemetry(json(reading), at))).toEqual([reading]);
  });

  it('the same reading as a string and as a plain Uint8Array', () => {
    const reading = validReading();
    const text = JSON.stringify(reading);
    expect(expectOk(parseTelemetry(text, at))).toEqual([reading]);
    expect(expectOk(parseTelemetry(new TextEncoder().encode(text), at))).toEqual([reading]);
  });

  it('a batch and returns its points in order', () => {
    const points = [1, 2, 3].map((seq) => ({ ...validReading(), seq }));
    expect(expectOk(parseTelemetry(json({ points }), at))).toEqual(points);
  });

  it('every bound at its limit', () => {
    const name = 'a'.repeat(limits.metricName.maxLength);
    const reading = {
      ts: now,
      seq: Number.MAX_SAFE_INTEGER,
      metrics: { ...metrics(limits.maxMetricsPerReading - 1), [name]: 'é'.repeat(256) },
    };
    expect(expectOk(parseTelemetry(json(reading), at))).toEqual([reading]);
    const points = Array.from({ length: limits.maxBatchPoints }, (_, seq) => ({
      ...validReading(),
      seq,
    }));
    expect(expectOk(parseTelemetry(json({ points }), at))).toHaveLength(limits.maxBatchPoints);
  });

  it('metric names using every allowed character class', () => {
    const reading = validReading({ 'Room_1.temp:avg-5m': 1, '0': false });
    expect(expectOk(parseTelemetry(json(reading), at))).toEqual([reading]);
  });

  it('timestamps at the edges of the window', () => {
    const future = { ...validReading(), ts: now + limits.window.maxFutureMs };
    const past = { ...validReading(), ts: now - limits.window.maxPastMs };
    expectOk(parseTelemetry(json({ points: [future, past] }), at));
  });

  it('an already parsed value through validateTelemetry', () => {
    expect(expectOk(validateTelemetry(validReading(), at))).toHaveLength(1);
  });
});

describe('parseTelemetry refuses a reading', () => {
  const refuse = (value: unknown, path: string) =>
    expectIssue(parseTelemetry(json(value), at), 'TWW_INVALID_PAYLOAD', path);

  it('with more than 64 metrics', () => {
    const issue = refuse(validReading(metrics(65)), '/metrics');
    expect(issue.message).toBe(
      '/metrics: expected object with 1-64 metrics, got object with 65 metrics',
    );
  });

  it('with no metrics, or none at all', () => {
    refuse(validReading({}), '/metrics');
    refuse({ ts: now, seq: 1 }, '/metrics');
  });

  it('with a metric name that is too long', () => {
    const name = 'a'.repeat(65);
    const issue = refuse(validReading({ [name]: 1 }), `/metrics/${name}`);
    expect(issue.expected).toBe('metric name of 1-64 characters of A-Z a-z 0-9 _ . : -');
  });

  it.each([
    ['a space', 'room temp', '/metrics/room temp'],
    ['a slash', 'a/b', '/metrics/a~1b'],
    ['a wildcard', 'a+b', '/metrics/a+b'],
    ['unicode', 'température', '/metrics/temp\\u00e9rature'],
    ['an emoji', '🔥', '/metrics/\\ud83d\\udd25'],
    ['an empty name', '', '/metrics/'],
  ])('with a metric name containing %s', (_, name, path) => {
    refuse(validReading({ [name]: 1 }), path);
  });

  it('with a string value over 256 characters, truncating it in the message', () => {
    const issue = refuse(validReading({ note: 'x'.repeat(257) }), '/metrics/note');
    expect(issue.expected).toBe('string (≤ 256 chars)');
    expect(issue.got).toContain('(257 chars)');
  });

  it('with 1e400, which JSON.parse turns into Infinity', () => {
    const issue = expectIssue(
      parseTelemetry(`{"ts":${now},"seq":1,"metrics":{"temp":1e400}}`, at),
      'TWW_INVALID_PAYLOAD',
      '/metrics/temp',
    );
    expect(issue.got).toBe('Infinity');
    expectIssue(
      parseTelemetry(`{"ts":${now},"seq":1,"metrics":{"temp":-1e400}}`, at),
      'TWW_INVALID_PAYLOAD',
      '/metrics/temp',
    );
  });

  it('with a nested object as a metric value, saying what is allowed', () => {
    const issue = refuse(validReading({ temp: { c: 21 } }), '/metrics/temp');
    expect(issue.message).toBe(
      '/metrics/temp: expected number, boolean or string (≤ 256 chars), got object',
    );
  });

  it('with an array or null as a metric value', () => {
    refuse(validReading({ temp: [1, 2] }), '/metrics/temp');
    refuse(validReading({ temp: null }), '/metrics/temp');
  });

  it('with a "__proto__" metric name', () => {
    const payload = `{"ts":${now},"seq":1,"metrics":{"__proto__":{"polluted":true}}}`;
    const issue = expectIssue(
      parseTelemetry(payload, at),
      'TWW_INVALID_PAYLOAD',
      '/metrics/__proto__',
    );
    expect(issue.got).toBe('reserved name "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('with a "__proto__" key at the top level', () => {
    const payload = `{"ts":${now},"seq":1,"metrics":{"a":1},"__proto__":{}}`;
    expectIssue(parseTelemetry(payload, at), 'TWW_INVALID_PAYLOAD', '/__proto__');
  });

  it('with ts as a string', () => {
    const issue = refuse({ ...validReading(), ts: String(now) }, '/ts');
    expect(issue.got).toBe(`string "${now}"`);
  });

  it('with ts in epoch seconds, saying so', () => {
    const issue = refuse({ ...validReading(), ts: Math.floor(now / 1000) }, '/ts');
    expect(issue.got).toMatch(/looks like epoch seconds; send milliseconds/);
  });

  it('with ts outside 2000-01-01..2100-01-01 or not an integer', () => {
    refuse({ ...validReading(), ts: limits.ts.min - 1 }, '/ts');
    refuse({ ...validReading(), ts: limits.ts.max + 1 }, '/ts');
    refuse({ ...validReading(), ts: now + 0.5 }, '/ts');
  });

  it('with negative, fractional or unsafe seq', () => {
    refuse({ ...validReading(), seq: -1 }, '/seq');
    refuse({ ...validReading(), seq: 1.5 }, '/seq');
    refuse({ ...validReading(), seq: 2 ** 53 }, '/seq');
    refuse({ ...validReading(), seq: '1' }, '/seq');
  });

  it('with an extra property, naming the allowed ones', () => {
    const issue = refuse({ ...validReading(), deviceId: 'a' }, '/deviceId');
    expect(issue.message).toBe(
      '/deviceId: expected only ts, seq, metrics, got property "deviceId"',
    );
  });
});

describe('parseTelemetry refuses a batch', () => {
  const refuse = (value: unknown, path: string) =>
    expectIssue(parseTelemetry(json(value), at), 'TWW_INVALID_PAYLOAD', path);

  it('of 501 points', () => {
    const points = Array.from({ length: 501 }, (_, seq) => ({ ...validReading(), seq }));
    expect(refuse({ points }, '/points').message).toBe(
      '/points: expected array of 1-500 items, got array of 501 items',
    );
  });

  it('that is empty', () => {
    refuse({ points: [] }, '/points');
  });

  it('pointing at the first bad point', () => {
    const points = [validReading(), validReading({ temp: {} })];
    refuse({ points }, '/points/1/metrics/temp');
  });

  it('with extra properties beside points', () => {
    refuse({ points: [validReading()], deviceId: 'a' }, '/deviceId');
  });
});
