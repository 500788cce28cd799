// One release version for the whole workspace: every package.json carries it, and the
// changelog's newest release is it (the OpenAPI and AsyncAPI documents read it from there).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './lib/paths.ts';

const workspace = parse(readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8')) as {
  packages: string[];
};
/**
 * Every workspace package's folder, from pnpm-workspace.yaml's globs (`dir/*` or `dir`): as
 * for pnpm, a folder is a package when it has a package.json. (`pnpm deploy` into a temporary
 * folder leaves an empty `node_modules/.bin` tree beside the apps while it runs.)
 */
const packageDirs = workspace.packages.flatMap((glob) =>
  glob.endsWith('/*')
    ? readdirSync(join(repoRoot, glob.slice(0, -2)), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(glob.slice(0, -2), entry.name))
        .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
    : [glob],
);
const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as {
    name: string;
    version?: string;
  };
const changelog = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');
const releases = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)];

describe('release version', () => {
  it('is one 0.x version in every workspace package', () => {
    expect(packageDirs.length).toBeGreaterThanOrEqual(13);
    const versions = new Map(packageDirs.map((dir) => [manifest(dir).name, manifest(dir).version]));
    const distinct = new Set(versions.values());
    expect(distinct.size, JSON.stringify(Object.fromEntries(versions))).toBe(1);
    expect([...distinct][0]).toMatch(/^0\.[1-9]\d*\.\d+$/);
  });

  it('is the newest release in CHANGELOG.md (Keep a Changelog), below [Unreleased]', () => {
    const version = manifest('apps/api').version;
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    expect(changelog.indexOf('## [Unreleased]')).toBeLessThan(releases[0]?.index ?? -1);
    expect(releases[0]?.[1]).toBe(version);
    expect(releases.at(-1)?.[1]).toBe('0.1.0');
    const dates = releases.map((release) => release[2] ?? '');
    expect(dates).toEqual([...dates].sort().reverse());
  });
});
