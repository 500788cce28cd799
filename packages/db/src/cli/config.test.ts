import { expect, it } from 'vitest';
import { readDbCliConfig } from './config.ts';

it('uses the embedded database under the workspace .data/ when DATABASE_URL is unset or blank', () => {
  for (const env of [{}, { DATABASE_URL: '  ' }]) {
    const config = readDbCliConfig(env);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/[/\\]\.data[/\\]postgres$/);
  }
});

it('refuses a DATABASE_URL that is not a postgres URL, naming the variable', () => {
  expect(() => readDbCliConfig({ DATABASE_URL: 'mysql://localhost/db' })).toThrow(
    /DATABASE_URL must be a postgres/,
  );
  expect(readDbCliConfig({ DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl).toBe(
    'postgresql://u@h/db',
  );
});
