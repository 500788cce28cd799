import { dataOf, type QueryOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

/** One retained message a broker holds. */
export type RetainedView = ResponseOf<'listRetained'>['items'][number];

export const retainedApi = {
  list: (api: ApiClient, query: QueryOf<'listRetained'>, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/retained', { params: { query }, signal })),
  remove: async (api: ApiClient, topic: string) => {
    await api.rest.DELETE('/api/v1/retained', { params: { query: { topic } } });
  },
};
