import { dataOf, type BodyOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

export type ManagedUser = ResponseOf<'listUsers'>['items'][number];
export type UserRole = ManagedUser['role'];

const byId = (id: string) => ({ params: { path: { id } } });

export const usersApi = {
  list: (api: ApiClient) => dataOf(api.rest.GET('/api/v1/users')),
  create: (api: ApiClient, body: BodyOf<'createUser'>) =>
    dataOf(api.rest.POST('/api/v1/users', { body })),
  update: (api: ApiClient, id: string, body: BodyOf<'updateUser'>) =>
    dataOf(api.rest.PATCH('/api/v1/users/{id}', { ...byId(id), body })),
  resetPassword: async (api: ApiClient, id: string, password: string) => {
    await api.rest.POST('/api/v1/users/{id}/password', { ...byId(id), body: { password } });
  },
};
