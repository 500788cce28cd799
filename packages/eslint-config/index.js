// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The workspace's type-checked lint rules. Each package's eslint.config.js calls this
 * with its own directory so the TypeScript project service finds its tsconfig.
 * @param {string} tsconfigRootDir
 */
export function twinwireConfig(tsconfigRootDir) {
  return tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', '.reports/**', 'coverage/**', '**/generated/**'] },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/switch-exhaustiveness-check': 'error',
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
        // fastify plugins and handlers are async by contract, whether or not they await.
        '@typescript-eslint/require-await': 'off',
      },
    },
    {
      // Under noUncheckedIndexedAccess, fixtures are indexed constantly; in a test a wrong
      // `!` fails loudly, so the assertion is allowed there and nowhere else.
      files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
      rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
    },
    {
      files: ['**/*.js', '**/*.mjs'],
      ...tseslint.configs.disableTypeChecked,
      languageOptions: {
        ...tseslint.configs.disableTypeChecked.languageOptions,
        globals: globals.node,
      },
    },
    prettier,
  );
}
