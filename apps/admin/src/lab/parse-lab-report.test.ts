import { describe, expect, it } from 'vitest';
import fixture from './fixtures/lab-report.json' with { type: 'json' };
import { parseLabReport } from './parse-lab-report.ts';

const text = (value: unknown) => JSON.stringify(value);

describe('parseLabReport', () => {
  it('reads a lab result written by the simulator', () => {
    const result = parseLabReport(text(fixture));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.report.claims.map((claim) => claim.verdict)).toEqual([
        'held',
        'mixed',
        'did-not-hold',
        'not-measured',
      ]);
      expect(result.report.scenarios).toHaveLength(2);
    }
  });

  it('says when the file is not JSON', () => {
    const result = parseLabReport('{"version": 1,');
    expect(result).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^This file is not JSON/) as string,
    });
  });

  it('names the format version it reads when the file has another', () => {
    expect(parseLabReport(text({ ...fixture, version: 2 }))).toEqual({
      ok: false,
      problem:
        'This lab result is format version 2; this admin reads version 1. Re-run the lab with a matching simulator.',
    });
  });

  it('points at the field that is wrong', () => {
    const broken = { ...fixture, claims: [{ ...fixture.claims[0], verdict: 'maybe' }] };
    const result = parseLabReport(text(broken));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain('/claims/0/verdict');
  });

  it('refuses JSON that is something else entirely', () => {
    const result = parseLabReport(text({ devices: [] }));
    expect(result.ok).toBe(false);
  });
});
