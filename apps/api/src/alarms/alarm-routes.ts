import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  acknowledgeAlarm,
  clearAlarm,
  type AlarmActionOutcome,
} from '@twinwire/alarms/alarm-store';
import { Alarm } from '@twinwire/schemas/alarms';
import type pg from 'pg';
import { NotFound } from '../errors.ts';
import { decodeCursor, encodeCursor } from '../opaque-cursor.ts';
import { ErrorResponse } from '@twinwire/schemas/rest/common';
import {
  AlarmPage,
  AlarmParams,
  ListAlarmsQuery,
  OpenAlarmCount,
} from '@twinwire/schemas/rest/alarms';
import { countOpenAlarms, getAlarm, listAlarms } from './store.ts';
import { InvalidRequest } from '../errors.ts';

const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

/** A cursor's key is `<raisedAt ISO>|<id>`, the last alarm of the previous page. */
function cursorKey(cursor: string): { raisedAt: string; id: string } {
  const key = decodeCursor(cursor);
  const [raisedAt, id] = key.split('|');
  if (!raisedAt || !id || Number.isNaN(Date.parse(raisedAt)))
    throw new InvalidRequest(
      'querystring/cursor is not a cursor this API issued; pass nextCursor unchanged or omit it',
    );
  return { raisedAt, id };
}

/** Alarms: history with filters for everyone signed in; acknowledge and clear for operators. */
export const alarmRoutes: FastifyPluginAsyncTypebox<{ pool: pg.Pool }> = async (app, { pool }) => {
  app.get(
    '/alarms',
    {
      config: { capability: 'alarms.read' },
      schema: {
        tags: ['alarms'],
        operationId: 'listAlarms',
        summary: 'Alarm history, newest first, filtered by state, device, rule, severity, time',
        querystring: ListAlarmsQuery,
        response: { 200: AlarmPage, 400: ErrorResponse, ...denied },
      },
    },
    async (request) => {
      const { cursor, limit, ...filter } = request.query;
      const items = await listAlarms(pool, {
        ...filter,
        limit: limit + 1,
        after: cursor === undefined ? undefined : cursorKey(cursor),
      });
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page,
        nextCursor:
          items.length > limit && last ? encodeCursor(`${last.raisedAt}|${last.id}`) : null,
      };
    },
  );

  app.get(
    '/alarms/open-count',
    {
      config: { capability: 'alarms.read' },
      schema: {
        tags: ['alarms'],
        operationId: 'countOpenAlarms',
        summary: 'How many alarms are open (the admin header badge)',
        response: { 200: OpenAlarmCount, ...denied },
      },
    },
    () => countOpenAlarms(pool),
  );

  app.get(
    '/alarms/:alarmId',
    {
      config: { capability: 'alarms.read' },
      schema: {
        tags: ['alarms'],
        operationId: 'getAlarm',
        summary: 'One alarm',
        params: AlarmParams,
        response: { 200: Alarm, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      const alarm = await getAlarm(pool, request.params.alarmId);
      if (!alarm) throw new NotFound(`alarm ${request.params.alarmId}`);
      return alarm;
    },
  );

  const answer = (alarmId: string, outcome: AlarmActionOutcome) => {
    switch (outcome.outcome) {
      case 'changed':
        app.alarms.published(outcome.event);
        return outcome.event.data;
      case 'unchanged':
        return outcome.alarm;
      case 'not-found':
        throw new NotFound(`alarm ${alarmId}`);
    }
  };

  app.post(
    '/alarms/:alarmId/acknowledge',
    {
      config: { capability: 'alarms.act' },
      schema: {
        tags: ['alarms'],
        operationId: 'acknowledgeAlarm',
        summary: 'Acknowledge a raised alarm (by you, now)',
        description:
          'Idempotent: an alarm already acknowledged or cleared is answered as it is. It stays open until its rule (or an operator) clears it.',
        params: AlarmParams,
        response: { 200: Alarm, ...denied, 404: ErrorResponse },
      },
    },
    async (request) =>
      answer(
        request.params.alarmId,
        await acknowledgeAlarm(pool, request.params.alarmId, request.user.username),
      ),
  );

  app.post(
    '/alarms/:alarmId/clear',
    {
      config: { capability: 'alarms.act' },
      schema: {
        tags: ['alarms'],
        operationId: 'clearAlarm',
        summary: 'Clear an open alarm by hand',
        description:
          'Idempotent. While the condition still holds the rule does not raise it again until the condition stops and starts holding again.',
        params: AlarmParams,
        response: { 200: Alarm, ...denied, 404: ErrorResponse },
      },
    },
    async (request) =>
      answer(
        request.params.alarmId,
        await clearAlarm(pool, request.params.alarmId, request.user.username),
      ),
  );
};
