// The served OpenAPI document: every operation has a unique camelCase operationId (generated
// clients name their methods after them), the servers to call, and the names the admin UI
// calls for clients, users, device edits and telemetry downloads.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(() => api.close());

interface Operation {
  operationId?: string;
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

interface OpenApiDocument {
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

it('gives every operation a unique camelCase operationId', async () => {
  const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  const { paths } = response.json<OpenApiDocument>();
  const operations = Object.entries(paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => ({
        at: `${method.toUpperCase()} ${path}`,
        id: operation.operationId,
      })),
  );
  expect(operations.length).toBeGreaterThan(30);
  expect(operations.filter(({ id }) => id === undefined).map(({ at }) => at)).toEqual([]);
  expect(
    operations.filter(({ id }) => !/^[a-z][a-zA-Z0-9]*$/.test(id ?? '')).map(({ at }) => at),
  ).toEqual([]);
  const seen = new Map<string, string>();
  const duplicates: string[] = [];
  for (const { at, id = '' } of operations) {
    const first = seen.get(id);
    if (first) duplicates.push(`${id}: ${first} and ${at}`);
    else seen.set(id, at);
  }
  expect(duplicates).toEqual([]);
});

it('names the server to call: the origin that serves the document', async () => {
  const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  const { servers } = response.json<OpenApiDocument>();
  expect(servers?.map((server) => server.url)).toEqual(['/']);
});

it('documents the clients, users, device, export and retained routes with operation ids', async () => {
  const response = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  const paths = response.json<{ paths: Record<string, Record<string, Operation>> }>().paths;
  const operation = (path: string, method: string) => paths[path]?.[method]?.operationId;
  expect({
    listClients: operation('/api/v1/clients', 'get'),
    readClient: operation('/api/v1/clients/{clientId}', 'get'),
    disconnectClient: operation('/api/v1/clients/{clientId}/disconnect', 'post'),
    clearClientSession: operation('/api/v1/clients/{clientId}/session', 'delete'),
    listBrokers: operation('/api/v1/brokers', 'get'),
    listUsers: operation('/api/v1/users', 'get'),
    createUser: operation('/api/v1/users', 'post'),
    updateUser: operation('/api/v1/users/{id}', 'patch'),
    resetUserPassword: operation('/api/v1/users/{id}/password', 'post'),
    listDevices: operation('/api/v1/devices', 'get'),
    updateDevice: operation('/api/v1/devices/{id}', 'patch'),
    readTelemetry: operation('/api/v1/devices/{id}/telemetry', 'get'),
    readTelemetryBuckets: operation('/api/v1/devices/{id}/telemetry/buckets', 'get'),
    listRetained: operation('/api/v1/retained', 'get'),
    deleteRetained: operation('/api/v1/retained', 'delete'),
  }).toEqual({
    listClients: 'listClients',
    readClient: 'readClient',
    disconnectClient: 'disconnectClient',
    clearClientSession: 'clearClientSession',
    listBrokers: 'listBrokers',
    listUsers: 'listUsers',
    createUser: 'createUser',
    updateUser: 'updateUser',
    resetUserPassword: 'resetUserPassword',
    listDevices: 'listDevices',
    updateDevice: 'updateDevice',
    readTelemetry: 'readTelemetry',
    readTelemetryBuckets: 'readTelemetryBuckets',
    listRetained: 'listRetained',
    deleteRetained: 'deleteRetained',
  });
  const download = paths['/api/v1/devices/{id}/telemetry']?.get?.responses?.['200']?.content;
  expect(Object.keys(download ?? {})).toEqual([
    'application/json',
    'text/csv',
    'application/x-ndjson',
  ]);
});
