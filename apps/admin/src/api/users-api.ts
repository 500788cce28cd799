import type { ApiClient } from './api-client.ts';
import type { ManagedUser, UserRole } from './types.ts';

const user = (id: string) => `/api/v1/users/${encodeURIComponent(id)}`;

export const usersApi = {
  list: (api: ApiClient) => api.get<{ items: ManagedUser[] }>('/api/v1/users'),
  create: (api: ApiClient, body: { username: string; password: string; role: UserRole }) =>
    api.post<ManagedUser>('/api/v1/users', body),
  update: (api: ApiClient, id: string, body: { role?: UserRole; disabled?: boolean }) =>
    api.patch<ManagedUser>(user(id), body),
  resetPassword: (api: ApiClient, id: string, password: string) =>
    api.post<undefined>(`${user(id)}/password`, { password }),
};
