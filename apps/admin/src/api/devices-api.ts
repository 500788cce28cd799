import type { ApiClient } from './api-client.ts';
import type {
  CommandResult,
  CredentialView,
  DevicePage,
  DeviceUpdate,
  DeviceView,
  IssuedCredential,
} from './types.ts';

const device = (id: string) => `/api/v1/devices/${encodeURIComponent(id)}`;

export interface DeviceListQuery {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
  online?: boolean | undefined;
  /** Comma-separated: devices carrying every one. */
  tag?: string | undefined;
}

export const devicesApi = {
  list: (api: ApiClient, query: DeviceListQuery, signal?: AbortSignal) =>
    api.get<DevicePage>('/api/v1/devices', { query: { ...query }, ...(signal ? { signal } : {}) }),
  get: (api: ApiClient, id: string) => api.get<DeviceView>(device(id)),
  create: (api: ApiClient, body: { id: string; name: string }) =>
    api.post<DeviceView>('/api/v1/devices', body),
  update: (api: ApiClient, id: string, body: DeviceUpdate) =>
    api.patch<DeviceView>(device(id), body),
  remove: (api: ApiClient, id: string) => api.delete(device(id)),
  credentials: (api: ApiClient, id: string) =>
    api.get<{ items: CredentialView[] }>(`${device(id)}/credentials`),
  issueCredential: (api: ApiClient, id: string) =>
    api.post<IssuedCredential>(`${device(id)}/credentials`),
  revokeCredential: (api: ApiClient, id: string, credentialId: string) =>
    api.delete(`${device(id)}/credentials/${encodeURIComponent(credentialId)}`),
  sendCommand: (
    api: ApiClient,
    id: string,
    name: string,
    body: { args: Record<string, unknown>; waitMs: number },
  ) => api.post<CommandResult>(`${device(id)}/commands/${encodeURIComponent(name)}`, body),
};
