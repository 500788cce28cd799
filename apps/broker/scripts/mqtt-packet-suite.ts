// Runs mqtt-packet's own test suite (tape) against the mqtt-packet aedes uses, with our pnpm
// patch applied (patches/mqtt-packet@9.0.2.md): `pnpm --filter @twinwire/broker test:mqtt-packet`.
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { installedDir, runPackageSuite } from './package-suite.ts';

// aedes' own dependency, as pnpm resolved it beside aedes.
const packageDir = realpathSync(join(dirname(installedDir('aedes')), 'mqtt-packet'));
console.log(`mqtt-packet ${packageDir}\nrunning test.js`);
process.exitCode = runPackageSuite({
  packageDir,
  devDependencies: ['tape', 'readable-stream'],
  args: () => ['test.js'],
  // tape prints a line per assertion: show the failures and the totals only.
  capture: (run) => {
    for (const line of `${run.stdout}${run.stderr}`.split('\n'))
      if (/^(not ok|# (tests|pass|fail))/.test(line)) console.log(line);
  },
});
