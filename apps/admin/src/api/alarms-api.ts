import type { Alarm, AlarmRule, AlarmRuleInput } from '@twinwire/schemas/alarms';
import type { ApiClient } from './api-client.ts';

export type { Alarm, AlarmRule, AlarmRuleInput };

export interface AlarmPage {
  items: Alarm[];
  nextCursor: string | null;
}

export interface AlarmQuery {
  state?: 'open' | 'raised' | 'acknowledged' | 'cleared' | undefined;
  limit: number;
  cursor?: string | undefined;
}

export const alarmsApi = {
  list: (api: ApiClient, query: AlarmQuery, signal?: AbortSignal) =>
    api.get<AlarmPage>('/api/v1/alarms', { query: { ...query }, ...(signal ? { signal } : {}) }),
  openCount: (api: ApiClient, signal?: AbortSignal) =>
    api.get<{ open: number; raised: number }>(
      '/api/v1/alarms/open-count',
      signal ? { signal } : {},
    ),
  acknowledge: (api: ApiClient, id: string) =>
    api.post<Alarm>(`/api/v1/alarms/${encodeURIComponent(id)}/acknowledge`),
  clear: (api: ApiClient, id: string) =>
    api.post<Alarm>(`/api/v1/alarms/${encodeURIComponent(id)}/clear`),
  rules: (api: ApiClient, signal?: AbortSignal) =>
    api.get<{ items: AlarmRule[] }>('/api/v1/alarm-rules', signal ? { signal } : {}),
  createRule: (api: ApiClient, input: AlarmRuleInput) =>
    api.post<AlarmRule>('/api/v1/alarm-rules', input),
  replaceRule: (api: ApiClient, id: string, input: AlarmRuleInput) =>
    api.put<AlarmRule>(`/api/v1/alarm-rules/${encodeURIComponent(id)}`, input),
  deleteRule: (api: ApiClient, id: string) =>
    api.delete(`/api/v1/alarm-rules/${encodeURIComponent(id)}`),
};
