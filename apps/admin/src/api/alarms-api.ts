import { dataOf, type BodyOf, type QueryOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

export type Alarm = ResponseOf<'getAlarm'>;
export type AlarmRule = ResponseOf<'getAlarmRule'>;
export type AlarmRuleInput = BodyOf<'createAlarmRule'>;

export type AlarmQuery = Pick<QueryOf<'listAlarms'>, 'state' | 'limit' | 'cursor'>;

/** Most alarms one chart range asks for; a device alarming more often than this is unreadable anyway. */
const CHART_ALARM_LIMIT = 500;

const byAlarmId = (alarmId: string) => ({ params: { path: { alarmId } } });
const byRuleId = (ruleId: string) => ({ params: { path: { ruleId } } });

export const alarmsApi = {
  list: (api: ApiClient, query: AlarmQuery, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/alarms', { params: { query }, signal })),
  /** A device's alarms open at some moment of [from, to): raised before `to`, not cleared before `from`. */
  inRange: (
    api: ApiClient,
    deviceId: string,
    range: { from: number; to: number },
    signal?: AbortSignal,
  ) =>
    dataOf(
      api.rest.GET('/api/v1/alarms', {
        params: {
          query: {
            deviceId,
            activeFrom: new Date(range.from).toISOString(),
            to: new Date(range.to).toISOString(),
            limit: CHART_ALARM_LIMIT,
          },
        },
        signal,
      }),
    ),
  openCount: (api: ApiClient, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/alarms/open-count', { signal })),
  acknowledge: (api: ApiClient, id: string) =>
    dataOf(api.rest.POST('/api/v1/alarms/{alarmId}/acknowledge', byAlarmId(id))),
  clear: (api: ApiClient, id: string) =>
    dataOf(api.rest.POST('/api/v1/alarms/{alarmId}/clear', byAlarmId(id))),
  rules: (api: ApiClient, signal?: AbortSignal) =>
    dataOf(api.rest.GET('/api/v1/alarm-rules', { signal })),
  createRule: (api: ApiClient, input: AlarmRuleInput) =>
    dataOf(api.rest.POST('/api/v1/alarm-rules', { body: input })),
  replaceRule: (api: ApiClient, id: string, input: AlarmRuleInput) =>
    dataOf(api.rest.PUT('/api/v1/alarm-rules/{ruleId}', { ...byRuleId(id), body: input })),
  deleteRule: async (api: ApiClient, id: string) => {
    await api.rest.DELETE('/api/v1/alarm-rules/{ruleId}', byRuleId(id));
  },
};
