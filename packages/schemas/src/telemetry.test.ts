import { describe, expect, it } from 'vitest';
import { readingsOf, type TelemetryReading } from './telemetry.ts';

const reading = (seq: number): TelemetryReading => ({
  ts: 1_700_000_000_000 + seq,
  seq,
  metrics: { t: seq },
});

describe('readingsOf', () => {
  it('gives a single reading as a list of one', () => {
    expect(readingsOf(reading(1))).toEqual([reading(1)]);
  });

  it('gives a batch’s points in order', () => {
    expect(readingsOf({ points: [reading(1), reading(2)] })).toEqual([reading(1), reading(2)]);
  });

  it('gives nothing for what is neither', () => {
    for (const message of [undefined, null, 'text', 42, [], {}, { ts: 1 }, { points: 'no' }])
      expect(readingsOf(message)).toEqual([]);
  });
});
