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

/** Most alarms one chart range asks for; a device alarming more often than this is unreadable anyway. */
const CHART_ALARM_LIMIT = 500;

export const alarmsApi = {
  list: (api: ApiClient, query: AlarmQuery, signal?: AbortSignal) =>
    api.get<AlarmPage>('/api/v1/alarms', { query: { ...query }, ...(signal ? { signal } : {}) }),
  /** A device's alarms open at some moment of [from, to): raised before `to`, not cleared before `from`. */
  inRange: (
    api: ApiClient,
    deviceId: string,
    range: { from: number; to: number },
    signal?: AbortSignal,
  ) =>
    api.get<AlarmPage>('/api/v1/alarms', {
      query: {
        deviceId,
        activeFrom: new Date(range.from).toISOString(),
        to: new Date(range.to).toISOString(),
        limit: CHART_ALARM_LIMIT,
      },
      ...(signal ? { signal } : {}),
    }),
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
