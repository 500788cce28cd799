import type { ApiClient } from './api-client.ts';

/** One retained message a broker holds (GET /api/v1/retained). */
export interface RetainedView {
  topic: string;
  /** '' when every broker shares the retained store (Redis), else the broker holding it. */
  brokerId: string;
  publisher: {
    kind: 'device' | 'user' | 'service' | 'broker';
    id: string;
    username: string | null;
  };
  qos: number;
  payloadBytes: number;
  publishedAt: string;
}

export interface RetainedPage {
  items: RetainedView[];
  nextCursor: string | null;
}

export const retainedApi = {
  list: (
    api: ApiClient,
    query: { filter: string; limit: number; cursor?: string | undefined },
    signal?: AbortSignal,
  ) =>
    api.get<RetainedPage>('/api/v1/retained', {
      query: { ...query },
      ...(signal ? { signal } : {}),
    }),
  remove: (api: ApiClient, topic: string) => api.delete('/api/v1/retained', { query: { topic } }),
};
