import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { provideTestPostgres } from '@twinwire/db/testing';
import type { TestProject } from 'vitest/node';
import { findChromium, SKIP_BANNER } from './helpers/chromium.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Empty when Chromium is missing: the browser tests skip. */
    chromiumPath: string;
    /** The admin built once for this run, served by each test file. */
    siteDir: string;
    screenshotDir: string;
  }
}

const appDir = join(import.meta.dirname, '..');

/**
 * Once per run: find Chromium (or say loudly that the browser tests are skipped), start the
 * test PostgreSQL, and build the admin as it ships (`vite build`, relative asset URLs).
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const chromiumPath = findChromium(process.env.CHROMIUM_PATH);
  const screenshotDir = join(appDir, '.reports', 'screenshots');
  project.provide('screenshotDir', screenshotDir);
  if (!chromiumPath) {
    if (process.env.CI) throw new Error(`Chromium is required in CI.\n${SKIP_BANNER}`);
    process.stderr.write(SKIP_BANNER);
    project.provide('chromiumPath', '');
    project.provide('siteDir', '');
    return undefined;
  }
  project.provide('chromiumPath', chromiumPath);
  await mkdir(screenshotDir, { recursive: true });
  const siteDir = join(appDir, '.reports', 'e2e-site');
  // A separate process: under vitest NODE_ENV is `test`, which would make a React dev build.
  await promisify(execFile)(
    join(appDir, 'node_modules', '.bin', 'vite'),
    ['build', '--outDir', siteDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: appDir, env: { ...process.env, NODE_ENV: 'production' } },
  );
  project.provide('siteDir', siteDir);
  return provideTestPostgres(project);
}
