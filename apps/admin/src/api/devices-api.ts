import { dataOf, type BodyOf, type QueryOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

export type DeviceView = ResponseOf<'readDevice'>;
/** How a device is connected now; null (offline) aside. */
export type DeviceConnection = NonNullable<DeviceView['connection']>;
export type DeviceUpdate = BodyOf<'updateDevice'>;
/** A new credential: the only answer that carries its secret. */
export type IssuedCredential = ResponseOf<'issueCredential'>;

export type DeviceListQuery = QueryOf<'listDevices'>;

const byId = (id: string) => ({ params: { path: { id } } });

export const devicesApi = {
  list: (api: ApiClient, query: DeviceListQuery, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/devices', { params: { query }, signal })),
  get: (api: ApiClient, id: string) => dataOf(api.rest.GET('/api/v1/devices/{id}', byId(id))),
  create: (api: ApiClient, body: BodyOf<'createDevice'>) =>
    dataOf(api.rest.POST('/api/v1/devices', { body })),
  update: (api: ApiClient, id: string, body: DeviceUpdate) =>
    dataOf(api.rest.PATCH('/api/v1/devices/{id}', { ...byId(id), body })),
  remove: async (api: ApiClient, id: string) => {
    await api.rest.DELETE('/api/v1/devices/{id}', byId(id));
  },
  credentials: (api: ApiClient, id: string) =>
    dataOf(api.rest.GET('/api/v1/devices/{id}/credentials', byId(id))),
  issueCredential: (api: ApiClient, id: string) =>
    dataOf(api.rest.POST('/api/v1/devices/{id}/credentials', byId(id))),
  revokeCredential: async (api: ApiClient, id: string, credentialId: string) => {
    await api.rest.DELETE('/api/v1/devices/{id}/credentials/{credentialId}', {
      params: { path: { id, credentialId } },
    });
  },
  sendCommand: (api: ApiClient, id: string, name: string, body: BodyOf<'sendCommand'>) =>
    dataOf(
      api.rest.POST('/api/v1/devices/{id}/commands/{name}', {
        params: { path: { id, name } },
        body,
      }),
    ),
};
