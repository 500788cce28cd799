import { fileURLToPath } from 'node:url';

/** The repository root and the infra package, whatever the test's working directory. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const infraDir = fileURLToPath(new URL('../../', import.meta.url));
