// The closing `N passed, N failed` line CI reads, summed from each package's vitest JSON report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printTestTotals } from '../local/test-totals.mjs';

const roots: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface Report {
  success: boolean;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests?: number;
  testResults?: { name?: string; status: string; assertionResults: unknown[] }[];
}

/** A workspace of packages with a test script, each with the report given (or none). */
function workspace(packages: Record<string, Report | undefined>): string {
  const root = mkdtempSync(join(tmpdir(), 'twinwire-totals-'));
  roots.push(root);
  for (const [name, report] of Object.entries(packages)) {
    const dir = join(root, 'packages', name);
    mkdirSync(join(dir, '.reports'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { test: 'vitest run' } }));
    if (report) {
      writeFileSync(
        join(dir, '.reports', 'vitest.json'),
        JSON.stringify({ numPendingTests: 0, numTodoTests: 0, testResults: [], ...report }),
      );
    }
  }
  return root;
}

function totals(root: string, options?: { commandFailed?: boolean }) {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
  const green = printTestTotals(root, options);
  return { green, lines, last: lines.at(-1) };
}

describe('printTestTotals', () => {
  it('sums every package and ends with one plain line', () => {
    const root = workspace({
      a: { success: true, numPassedTests: 3, numFailedTests: 0 },
      b: { success: false, numPassedTests: 4, numFailedTests: 1 },
    });
    expect(totals(root)).toMatchObject({ green: false, last: '7 passed, 1 failed' });
  });

  it('counts a package whose run failed before any test (a global setup that threw)', () => {
    const root = workspace({
      a: { success: true, numPassedTests: 3, numFailedTests: 0 },
      setup: { success: false, numPassedTests: 0, numFailedTests: 0 },
    });
    const { green, lines, last } = totals(root);
    expect(green).toBe(false);
    expect(last).toBe('3 passed, 1 failed');
    expect(lines).toContain(
      'twinwire: packages/setup failed outside any test (see above): counted as 1 failed',
    );
  });

  it('counts a package that wrote no report, and a file that failed to load', () => {
    const root = workspace({
      crashed: undefined,
      loading: {
        success: false,
        numPassedTests: 2,
        numFailedTests: 0,
        testResults: [{ status: 'failed', assertionResults: [] }],
      },
    });
    expect(totals(root).last).toBe('2 passed, 2 failed');
  });

  it('fails a run whose test command failed although every report is green', () => {
    const root = workspace({ a: { success: true, numPassedTests: 5, numFailedTests: 0 } });
    expect(totals(root, { commandFailed: true })).toMatchObject({
      green: false,
      last: '5 passed, 1 failed',
    });
    expect(totals(root)).toMatchObject({ green: true, last: '5 passed, 0 failed' });
  });

  it('names each file with skipped tests, the condition that skipped them and what to do', () => {
    const root = workspace({});
    const dir = join(root, 'packages', 'broker');
    mkdirSync(join(dir, 'test'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { test: 'vitest run' } }));
    const file = join(dir, 'test', 'cluster.test.ts');
    writeFileSync(file, "describe.runIf(redisServer)('a cluster', () => {});\n");
    mkdirSync(join(dir, '.reports'));
    writeFileSync(
      join(dir, '.reports', 'vitest.json'),
      JSON.stringify({
        success: true,
        numPassedTests: 4,
        numFailedTests: 0,
        numPendingTests: 2,
        numTodoTests: 0,
        testResults: [
          {
            name: file,
            status: 'passed',
            assertionResults: [{ status: 'skipped' }, { status: 'skipped' }, { status: 'passed' }],
          },
        ],
      }),
    );
    const { lines, last } = totals(root);
    expect(lines).toContain('twinwire: 2 tests skipped:');
    expect(lines).toContain(
      '  packages/broker test/cluster.test.ts: 2 (skipped by runIf(redisServer): set REDIS_URL (e.g. redis://127.0.0.1:6379) to run them)',
    );
    expect(last).toBe('4 passed, 0 failed');
  });
});
