import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { errorCodeMeanings, errorCodes, isErrorCode, type ErrorCode } from './error-codes.ts';

const root = resolve(import.meta.dirname, '../../..');
const CODE = /TWW_[A-Z_]+/g;

/**
 * Every TypeScript source under apps/*\/src and packages/*\/src, tests included, but the union
 * and this test (which names codes that do not exist).
 */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.startsWith('error-codes.'))
        files.push(path);
    }
  };
  for (const group of ['apps', 'packages'])
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const src = join(root, group, entry.name, 'src');
      if (entry.isDirectory() && readdirSync(join(root, group, entry.name)).includes('src'))
        walk(src);
    }
  return files;
}

/** Each `TWW_*` literal in the sources, with the files it appears in. */
function codesInSources(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles())
    for (const code of new Set(readFileSync(file, 'utf8').match(CODE))) {
      const files = found.get(code) ?? [];
      files.push(file.slice(root.length + 1));
      found.set(code, files);
    }
  return found;
}

describe('error codes', () => {
  const inSources = codesInSources();

  it('lists every TWW_* code the sources use', () => {
    const unknown = [...inSources].filter(([code]) => !isErrorCode(code));
    expect(Object.fromEntries(unknown)).toEqual({});
  });

  it('lists no code the sources never use', () => {
    expect(errorCodes.filter((code) => !inSources.has(code))).toEqual([]);
  });

  it('says in one line what each code means', () => {
    for (const code of errorCodes) {
      expect(code).toMatch(/^TWW_[A-Z_]+$/);
      expect(errorCodeMeanings[code]).toMatch(/^[^\n]{10,100}$/);
    }
    expect([...errorCodes].sort()).toEqual(errorCodes);
  });

  it('is the table of codes in the API README', () => {
    const readme = readFileSync(join(root, 'apps/api/README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(TWW_[A-Z_]+)` +\|/gm)].map(([, code]) => code);
    expect(rows).toEqual(errorCodes);
  });

  it('is a closed union', () => {
    expectTypeOf<'TWW_NOT_FOUND'>().toExtend<ErrorCode>();
    expectTypeOf<'TWW_NO_SUCH_CODE'>().not.toExtend<ErrorCode>();
    expectTypeOf<string>().not.toExtend<ErrorCode>();
    expect(isErrorCode('TWW_NO_SUCH_CODE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});
