import { twinwireConfig } from '@twinwire/eslint-config';

export default [
  ...twinwireConfig(import.meta.dirname),
  {
    // Route handlers say what a request does; the queries live in the feature's store module
    // (e.g. devices/store.ts) or in @twinwire/db, where they can be reused and tested.
    files: ['src/**/*-routes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'drizzle-orm',
              message: 'Queries go in the feature’s store module, not in route files.',
            },
            {
              name: '@twinwire/db/schema',
              message: 'Tables are queried in the feature’s store module, not in route files.',
            },
          ],
          patterns: [
            {
              group: ['drizzle-orm/*'],
              message: 'Queries go in the feature’s store module, not in route files.',
            },
          ],
        },
      ],
    },
  },
];
