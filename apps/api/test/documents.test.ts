// The API serves its two contracts side by side: OpenAPI for REST, AsyncAPI for the MQTT
// and WebSocket channels, each versioned by its package.json (no second copy of a version).
import schemasPackage from '@twinwire/schemas/package.json' with { type: 'json' };
import committedAsyncApi from '@twinwire/schemas/asyncapi.json' with { type: 'json' };
import { afterAll, beforeAll, expect, it } from 'vitest';
import apiPackage from '../package.json' with { type: 'json' };
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(() => api.close());

interface Document {
  info: { title: string; version: string };
}

it('serves the AsyncAPI document at /asyncapi.json: the one packages/schemas commits', async () => {
  const response = await api.app.inject({ method: 'GET', url: '/asyncapi.json' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const document = response.json<Document & { asyncapi: string; channels: object }>();
  expect(document).toEqual(committedAsyncApi);
  expect(document.asyncapi).toBe('3.0.0');
  expect(Object.keys(document.channels)).toContain('live');
});

it('versions the OpenAPI document by the API package and the AsyncAPI one by the schemas package', async () => {
  const [openapi, asyncapi] = await Promise.all(
    ['/openapi.json', '/asyncapi.json'].map(async (url) =>
      (await api.app.inject({ method: 'GET', url })).json<Document>(),
    ),
  );
  expect(openapi?.info.version).toBe(apiPackage.version);
  expect(asyncapi?.info.version).toBe(schemasPackage.version);
  expect(apiPackage.version).toMatch(/^0\.\d+\.\d+$/);
});
