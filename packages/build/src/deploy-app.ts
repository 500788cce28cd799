import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const workspaceRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface DeployedApp {
  /** A folder outside the workspace: package.json, dist/, node_modules (production only). */
  dir: string;
  remove(): Promise<void>;
}

/**
 * What a deployment does, for tests: `pnpm --filter <app> deploy --prod <dir>` into a fresh
 * temporary folder, with the app's bundle built straight into `<dir>/dist` — the same as
 * building first, without rewriting the app's own dist/ under other tests that run it.
 */
export async function deployApp(packageName: string): Promise<DeployedApp> {
  const parent = await mkdtemp(join(tmpdir(), 'twinwire-deploy-'));
  const name = packageName.replace(/^@twinwire\//, '');
  const dir = join(parent, name);
  const pnpm = async (...args: string[]) => {
    // Under `pnpm run`, npm_execpath is the pnpm that runs us (also when it came from npx).
    const execPath = process.env.npm_execpath;
    const [command, prefix] =
      execPath && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['pnpm', [] as string[]];
    await run(command, [...prefix, '--filter', packageName, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: unknown) => {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`pnpm ${args.join(' ')} failed for ${packageName}:\n${stdout}\n${stderr}`);
    });
  };
  await pnpm('deploy', '--prod', dir);
  await pnpm('run', 'build', '--outdir', join(dir, 'dist'));
  // pnpm 10's deploy also creates an empty `node_modules/.bin` tree at the target's path
  // taken relative to the workspace and applied to the app's folder (with the workspace in
  // /tmp: apps/twinwire-deploy-…/<app>, beside the apps): removed with the deployment.
  const stray = join(workspaceRoot, 'apps', name, relative(workspaceRoot, parent));
  return {
    dir,
    remove: async () => {
      await rm(parent, { recursive: true, force: true });
      await rm(stray, { recursive: true, force: true });
    },
  };
}
