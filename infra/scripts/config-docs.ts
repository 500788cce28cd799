// Regenerates the configuration reference in docs/operations.md from the apps' env schemas
// (`pnpm --filter @twinwire/infra docs:config`). test/config-reference.test.ts fails while
// the committed document differs from what this writes.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { regenerateOperationsDoc } from '../src/config-reference.ts';

const path = fileURLToPath(new URL('../../docs/operations.md', import.meta.url));
await writeFile(path, await regenerateOperationsDoc(path));
console.log(`configuration reference written to ${path}`);
