// The OpenAPI document names every operation the admin UI calls for clients, users, device
// edits and telemetry downloads.
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
