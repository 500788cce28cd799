export { provideTestPostgres as default } from '../src/testing.ts';
