import { dataOf, type QueryOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

export type ClientView = ResponseOf<'readClient'>;
export type ClientState = ClientView['state'];

export type ClientListQuery = QueryOf<'listClients'>;

const byClientId = (clientId: string) => ({ params: { path: { clientId } } });

export const clientsApi = {
  list: (api: ApiClient, query: ClientListQuery, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/clients', { params: { query }, signal })),
  get: (api: ApiClient, clientId: string) =>
    dataOf(api.rest.GET('/api/v1/clients/{clientId}', byClientId(clientId))),
  brokers: (api: ApiClient) => dataOf(api.rest.GET('/api/v1/brokers')),
  disconnect: async (api: ApiClient, clientId: string) => {
    await api.rest.POST('/api/v1/clients/{clientId}/disconnect', byClientId(clientId));
  },
  clearSession: async (api: ApiClient, clientId: string) => {
    await api.rest.DELETE('/api/v1/clients/{clientId}/session', byClientId(clientId));
  },
};
