// Runs a dependency's own test suite against the copy this workspace installs, with our pnpm
// patch applied (aedes-suite.ts, mqtt-packet-suite.ts).
//
// The installed package carries its tests but not its dev dependencies, so the suite runs
// from a copy of the package whose node_modules links the package's own dependencies (as pnpm
// resolved them, beside it) and the dev dependencies its tests import, from this app.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
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

const appModules = fileURLToPath(new URL('../node_modules', import.meta.url));

/** The directory of a package this app depends on, as installed (patched). */
export function installedDir(specifier: string): string {
  return dirname(realpathSync(fileURLToPath(import.meta.resolve(specifier))));
}

export function runPackageSuite(options: {
  packageDir: string;
  /** Dev dependencies the tests import, linked from this app's node_modules. */
  devDependencies: string[];
  /** The command, run with this Node from the copy's directory. */
  args: (workDir: string) => string[];
  /** Given: the output is captured and handed to it (else the suite prints as it runs). */
  capture?: (run: SpawnSyncReturns<string>) => void;
}): number {
  const workDir = mkdtempSync(join(tmpdir(), `${basename(options.packageDir)}-suite-`));
  try {
    cpSync(options.packageDir, workDir, { recursive: true });
    const modules = join(workDir, 'node_modules');
    mkdirSync(modules);
    // pnpm puts a package's dependencies beside it: <store>/node_modules/{pkg,dep,...}.
    const siblings = dirname(options.packageDir);
    for (const name of readdirSync(siblings)) {
      if (name === basename(options.packageDir) || name.startsWith('.')) continue;
      if (name.startsWith('@')) {
        mkdirSync(join(modules, name));
        for (const scoped of readdirSync(join(siblings, name)))
          symlinkSync(realpathSync(join(siblings, name, scoped)), join(modules, name, scoped));
        continue;
      }
      symlinkSync(realpathSync(join(siblings, name)), join(modules, name));
    }
    for (const devDependency of options.devDependencies)
      symlinkSync(realpathSync(join(appModules, devDependency)), join(modules, devDependency));
    const args = options.args(workDir);
    if (options.capture) {
      const run = spawnSync(process.execPath, args, { cwd: workDir, encoding: 'utf8' });
      options.capture(run);
      return run.status ?? 1;
    }
    const run = spawnSync(process.execPath, args, { cwd: workDir, stdio: 'inherit' });
    return run.status ?? 1;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}
