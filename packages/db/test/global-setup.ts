export { provideTestPostgres as default } from '../src/testing/postgres.ts';
