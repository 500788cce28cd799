import { twinwireConfig } from '@twinwire/eslint-config';

// infra/local (the `npm start` / `npm test` runner) lives in this folder but is not part of
// this package's code: it runs before any dependency is installed.
export default [{ ignores: ['local/**'] }, ...twinwireConfig(import.meta.dirname)];
