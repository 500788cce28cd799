export { provideTestPostgres as default } from '@twinwire/db/testing';
