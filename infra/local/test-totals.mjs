// Sums the vitest JSON reports every package writes to .reports/vitest.json during
// `turbo run test` and prints the workspace's totals as one plain closing line.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Each package's test script, in `group/name` form, with the report it writes. */
function testedPackages(root) {
  const found = [];
  for (const group of ['apps', 'packages']) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const name of readdirSync(groupDir)) {
      const manifest = join(groupDir, name, 'package.json');
      if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test)
        continue;
      found.push({
        name: `${group}/${name}`,
        report: join(groupDir, name, '.reports', 'vitest.json'),
      });
    }
  }
  return found;
}

/** Removes last run's reports, so a package that crashes now cannot count old results. */
export function clearTestReports(root) {
  for (const { report } of testedPackages(root)) rmSync(report, { force: true });
}

/** Prints `N passed, N failed[, N skipped]`; returns true when every package reported and nothing failed. */
export function printTestTotals(root) {
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
    totals.failed += result.testResults.filter(
      (file) => file.status === 'failed' && file.assertionResults.length === 0,
    ).length;
  }
  if (missing.length > 0) {
    console.log(
      `twinwire: no test report from ${missing.join(', ')} (crashed before reporting): counted as failed`,
    );
    totals.failed += missing.length;
  }
  console.log(
    `${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`,
  );
  return missing.length === 0 && totals.failed === 0;
}
