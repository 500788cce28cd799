// Runs mqtt-packet's own test suite (tape) against the mqtt-packet aedes uses, with our pnpm
// patch applied (patches/mqtt-packet@9.0.2.md): `pnpm --filter @twinwire/broker test:mqtt-packet`.
//
// As for aedes (aedes-suite.ts): the installed package carries its tests but not its dev
// dependencies, so the suite runs from a copy whose node_modules links the package's own
// dependencies and the two dev dependencies its tests import, tape and readable-stream.
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

const aedesDir = dirname(realpathSync(fileURLToPath(import.meta.resolve('aedes'))));
// aedes' own dependency, as pnpm resolved it beside aedes.
const packageDir = realpathSync(join(dirname(aedesDir), 'mqtt-packet'));
const appModules = fileURLToPath(new URL('../node_modules', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'mqtt-packet-suite-'));

try {
  cpSync(packageDir, workDir, { recursive: true });
  const modules = join(workDir, 'node_modules');
  mkdirSync(modules);
  const siblings = dirname(packageDir);
  for (const name of readdirSync(siblings)) {
    if (name === basename(packageDir) || name.startsWith('.') || name.startsWith('@')) continue;
    symlinkSync(realpathSync(join(siblings, name)), join(modules, name));
  }
  for (const devDependency of ['tape', 'readable-stream'])
    symlinkSync(realpathSync(join(appModules, devDependency)), join(modules, devDependency));
  console.log(`mqtt-packet ${packageDir}\nrunning test.js`);
  const run = spawnSync(process.execPath, ['test.js'], { cwd: workDir, encoding: 'utf8' });
  // tape prints one line per assertion: show the failures and the totals only.
  const lines = `${run.stdout}${run.stderr}`.split('\n');
  for (const line of lines) if (/^(not ok|# (tests|pass|fail))/.test(line)) console.log(line);
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
