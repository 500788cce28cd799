// Sums the vitest JSON reports every package writes to .reports/vitest.json during
// `turbo run test` and prints the workspace's totals as one plain closing line.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Each workspace package with a test script (apps/*, packages/*, infra), with the report it writes. */
function testedPackages(root) {
  const folders = ['apps', 'packages'].flatMap((group) => {
    const groupDir = join(root, group);
    return existsSync(groupDir) ? readdirSync(groupDir).map((name) => `${group}/${name}`) : [];
  });
  return [...folders, 'infra']
    .filter((name) => {
      const manifest = join(root, name, 'package.json');
      return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test;
    })
    .map((name) => ({ name, report: join(root, name, '.reports', 'vitest.json') }));
}

/** Removes last run's reports, so a package that crashes now cannot count old results. */
export function clearTestReports(root) {
  for (const { report } of testedPackages(root)) rmSync(report, { force: true });
}

/**
 * Prints the skipped count (if any) and then, as the very last line, `N passed, N failed`;
 * returns true when every package reported and nothing failed. `commandFailed`: some package's
 * test command exited non-zero.
 */
export function printTestTotals(root, { commandFailed = false } = {}) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  const missing = [];
  for (const { name, report } of testedPackages(root)) {
    if (!existsSync(report)) {
      missing.push(name);
      continue;
    }
    const result = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
    // A file that failed to load (syntax error, failing hook) has no tests to count.
    const failedFiles = result.testResults.filter(
      (file) => file.status === 'failed' && file.assertionResults.length === 0,
    ).length;
    totals.failed += failedFiles;
    // A run that failed before any test (a global setup that threw) reports no tests at all.
    if (result.success === false && result.numFailedTests === 0 && failedFiles === 0) {
      console.log(`twinwire: ${name} failed outside any test (see above): counted as 1 failed`);
      totals.failed += 1;
    }
  }
  if (missing.length > 0) {
    console.log(
      `twinwire: no test report from ${missing.join(', ')} (crashed before reporting): counted as failed`,
    );
    totals.failed += missing.length;
  }
  // A worker that crashed (out of memory, say) fails the package's test command while its
  // report can still show every finished test as passed: the run must not read as green.
  if (commandFailed && totals.failed === 0 && missing.length === 0) {
    console.log(
      'twinwire: a test command failed outside any test (see above): counted as 1 failed',
    );
    totals.failed = 1;
  }
  if (totals.skipped > 0) console.log(`twinwire: ${totals.skipped} tests skipped (see above why)`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  return missing.length === 0 && totals.failed === 0;
}
