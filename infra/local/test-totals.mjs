// Sums the vitest JSON reports every package writes to .reports/vitest.json during
// `turbo run test` and prints the workspace's totals as one plain closing line.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What a skip condition usually waits for, by the names in it. */
const REMEDIES = [
  [/redis/i, 'set REDIS_URL (e.g. redis://127.0.0.1:6379) to run them'],
  [/chromium|browser/i, 'install Chromium (apt-get install -y chromium) to run them'],
  [/nginx/i, 'install nginx to run them'],
  [/kubectl/i, 'install kubectl to run them'],
  [/docker|compose/i, 'install the docker compose plugin to run them'],
  [/mosquitto/i, 'install mosquitto-clients to run them'],
];

/** The `skipIf(…)` / `runIf(…)` conditions written in a test file, e.g. `runIf(redisServer)`. */
function skipConditions(file) {
  let source = '';
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return [
    ...new Set(
      [...source.matchAll(/\.(skipIf|runIf)\(([^()]*(?:\([^()]*\))?[^()]*)\)/g)].map(
        (match) => `${match[1]}(${match[2].trim()})`,
      ),
    ),
  ];
}

/** One line per test file with skipped tests: how many, why (its skip condition), what to do. */
function skippedLines(root, name, result) {
  const lines = [];
  for (const file of result.testResults) {
    const skipped = file.assertionResults.filter(
      (test) => test.status === 'pending' || test.status === 'skipped' || test.status === 'todo',
    ).length;
    if (skipped === 0) continue;
    const conditions = skipConditions(file.name);
    const remedy = REMEDIES.find(([pattern]) => pattern.test(conditions.join(' ')))?.[1];
    const why =
      conditions.length === 0 ? 'marked skip or todo' : `skipped by ${conditions.join(', ')}`;
    lines.push(
      `  ${name} ${relative(join(root, name), file.name)}: ${skipped} (${why}${remedy ? `: ${remedy}` : ''})`,
    );
  }
  return lines;
}

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
  const skipped = [];
  for (const { name, report } of testedPackages(root)) {
    if (!existsSync(report)) {
      missing.push(name);
      continue;
    }
    const result = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
    skipped.push(...skippedLines(root, name, result));
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
  if (totals.skipped > 0) {
    console.log(`twinwire: ${totals.skipped} tests skipped:`);
    for (const line of skipped) console.log(line);
  }
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  return missing.length === 0 && totals.failed === 0;
}
