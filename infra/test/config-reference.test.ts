import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeEnv } from '@twinwire/config/read-env';
import { describe, expect, it } from 'vitest';
import { appNames, deployedApps } from '../src/deployment.ts';
import {
  END_MARKER,
  regenerateOperationsDoc,
  renderConfigReference,
  START_MARKER,
  withConfigReference,
} from '../src/config-reference.ts';
import { repoRoot } from './lib/paths.ts';

const docPath = join(repoRoot, 'docs/operations.md');

describe('configuration reference in docs/operations.md', () => {
  it('is what `pnpm --filter @twinwire/infra docs:config` generates from the schemas now', async () => {
    const committed = readFileSync(docPath, 'utf8');
    const fresh = await regenerateOperationsDoc(docPath);
    // On failure: run `pnpm --filter @twinwire/infra docs:config` and commit docs/operations.md.
    expect(committed).toBe(fresh);
  });

  it.each(appNames)('lists every %s variable once, with its default', (app) => {
    const reference = renderConfigReference();
    for (const row of describeEnv(deployedApps[app].schema)) {
      const line = reference.split('\n').filter((l) => l.startsWith(`| \`${row.name}\` |`));
      expect(line.length, row.name).toBeGreaterThanOrEqual(1);
      if (row.default) expect(reference).toContain(`| \`${row.name}\` | \`${row.default}\` |`);
    }
  });

  it('marks exactly the secrets as secret', () => {
    const reference = renderConfigReference();
    for (const app of appNames) {
      for (const { name } of describeEnv(deployedApps[app].schema)) {
        const secret = deployedApps[app].secrets.includes(name);
        expect(reference, `${app} ${name}`).toMatch(
          new RegExp(`\\| \`${name}\` \\| [^|]+ \\| ${secret ? 'yes' : ''} \\|`),
        );
      }
    }
  });

  it('replaces only the text between the markers', () => {
    const document = `# doc\n\nbefore\n\n${START_MARKER}\nold\n${END_MARKER}\n\nafter\n`;
    const updated = withConfigReference(document, 'NEW');
    expect(updated).toBe(`# doc\n\nbefore\n\n${START_MARKER}\n\nNEW\n\n${END_MARKER}\n\nafter\n`);
    expect(() => withConfigReference('# no markers', 'NEW')).toThrow(/config-reference:start/);
  });
});
