import type { TestProject } from 'vitest/node';
import { startTestPostgres } from '../src/testing.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** One PostgreSQL per test run: DATABASE_URL when set, else a throwaway embedded cluster. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTestPostgres(process.env.DATABASE_URL);
  project.provide('postgresUrl', postgres.url);
  return () => postgres.stop();
}
