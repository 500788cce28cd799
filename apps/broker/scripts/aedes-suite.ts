// Runs aedes' own test suite (node:test) against the aedes this workspace installs, with our
// pnpm patch applied (patches/aedes@2.0.0-beta.1.patch): `pnpm --filter @twinwire/broker test:aedes`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installedDir, runPackageSuite } from './package-suite.ts';

/** Needs Docker (testcontainers + toxiproxy); the drain timeout it covers is tested without it too. */
const SKIPPED = new Set(['drain-toxiproxy.js']);

const packageDir = installedDir('aedes');
process.exitCode = runPackageSuite({
  packageDir,
  devDependencies: ['mqtt', 'ws'],
  args: (workDir) => {
    const tests = readdirSync(join(workDir, 'test'))
      .filter((file) => /\.(c?js)$/.test(file) && !SKIPPED.has(file))
      .map((file) => join('test', file));
    console.log(
      `aedes ${packageDir}\nrunning ${tests.length} test files (skipped: ${[...SKIPPED].join(', ')})`,
    );
    return ['--test', '--test-timeout=180000', ...tests];
  },
});
