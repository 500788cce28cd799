import { twinwireConfig } from '@twinwire/eslint-config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default [
  ...twinwireConfig(import.meta.dirname),
  {
    files: ['src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: globals.browser },
  },
  {
    // Component tests index fixtures like the other packages' tests do.
    files: ['src/**/*.test.{ts,tsx}', 'src/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
];
