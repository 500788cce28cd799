// Runs aedes' own test suite (node:test) against the aedes this workspace installs, with our
// pnpm patch applied (patches/aedes@2.0.0-beta.1.patch): `pnpm --filter @twinwire/broker test:aedes`.
//
// The installed package carries its tests but not its dev dependencies, so the suite runs from a
// copy of the package whose node_modules links the package's own dependencies (as pnpm resolved
// them) and the two dev dependencies the tests import, mqtt and ws, from this app.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Needs Docker (testcontainers + toxiproxy); the drain timeout it covers is tested without it too. */
const SKIPPED = new Set(['drain-toxiproxy.js']);

const aedesDir = dirname(realpathSync(fileURLToPath(import.meta.resolve('aedes'))));
const appModules = fileURLToPath(new URL('../node_modules', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'aedes-suite-'));

try {
  cpSync(aedesDir, workDir, { recursive: true });
  const modules = join(workDir, 'node_modules');
  mkdirSync(modules);
  // pnpm puts a package's dependencies beside it: <store>/node_modules/{aedes,mqemitter,...}.
  const siblings = dirname(aedesDir);
  for (const name of readdirSync(siblings)) {
    if (name === basename(aedesDir) || name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      mkdirSync(join(modules, name));
      for (const scoped of readdirSync(join(siblings, name)))
        symlinkSync(realpathSync(join(siblings, name, scoped)), join(modules, name, scoped));
      continue;
    }
    symlinkSync(realpathSync(join(siblings, name)), join(modules, name));
  }
  for (const devDependency of ['mqtt', 'ws'])
    symlinkSync(realpathSync(join(appModules, devDependency)), join(modules, devDependency));

  const tests = readdirSync(join(workDir, 'test'))
    .filter((file) => /\.(c?js)$/.test(file) && !SKIPPED.has(file))
    .map((file) => join('test', file));
  console.log(
    `aedes ${aedesDir}\nrunning ${tests.length} test files (skipped: ${[...SKIPPED].join(', ')})`,
  );
  const run = spawnSync(process.execPath, ['--test', '--test-timeout=180000', ...tests], {
    cwd: workDir,
    stdio: 'inherit',
  });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
