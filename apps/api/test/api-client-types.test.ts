// The REST types that the admin UI and the simulator compile against are generated from the
// document this app serves; a route or schema change without regenerating them fails here.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiClientTypesPath,
  GENERATE_COMMAND,
  renderApiClientTypes,
} from '../scripts/api-client-types.ts';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(() => api.close());

it(`matches @twinwire/api-client's committed types (run \`${GENERATE_COMMAND}\` after changing a route)`, async () => {
  const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  const generated = await renderApiClientTypes(response.json<object>());
  const committed = await readFile(apiClientTypesPath, 'utf8');
  expect(
    committed === generated,
    `${apiClientTypesPath} is stale (${firstDifference(committed, generated)}): run \`${GENERATE_COMMAND}\` and commit it`,
  ).toBe(true);
});

/** Where two texts part, as a line number and both lines (the whole diff of a rename is long). */
function firstDifference(committed: string, generated: string): string {
  const was = committed.split('\n');
  const is = generated.split('\n');
  const line = was.findIndex((text, index) => text !== is[index]);
  const at = line === -1 ? was.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(was[at])}, served ${JSON.stringify(is[at])}`;
}
