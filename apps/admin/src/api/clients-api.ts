import type { ApiClient } from './api-client.ts';
import type { BrokerView, ClientPage, ClientState, ClientView } from './types.ts';

const client = (id: string) => `/api/v1/clients/${encodeURIComponent(id)}`;

export interface ClientListQuery {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  state?: ClientState | undefined;
  brokerId?: string | undefined;
}

export const clientsApi = {
  list: (api: ApiClient, query: ClientListQuery, signal?: AbortSignal) =>
    api.get<ClientPage>('/api/v1/clients', { query: { ...query }, ...(signal ? { signal } : {}) }),
  get: (api: ApiClient, id: string) => api.get<ClientView>(client(id)),
  brokers: (api: ApiClient) => api.get<{ items: BrokerView[] }>('/api/v1/brokers'),
  disconnect: (api: ApiClient, id: string) => api.post<undefined>(`${client(id)}/disconnect`),
  clearSession: (api: ApiClient, id: string) => api.delete(`${client(id)}/session`),
};
