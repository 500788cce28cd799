/** How the lab starts TypeScript entry points in child processes: node with tsx's loader. */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** `--import` value that lets a plain `node` run TypeScript sources, wherever it starts. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(require.resolve('tsx')).href;
}

/** The platform's `twinwire-platform` entry (apps/platform/src/main.ts). */
export function platformMainPath(): string {
  return require
    .resolve('@twinwire/platform/start-platform')
    .replace(/start-platform\.ts$/, 'main.ts');
}
