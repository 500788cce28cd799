import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AlarmRule, AlarmRuleInput } from '@twinwire/schemas/alarms';
import type pg from 'pg';
import { Type } from 'typebox';
import { InvalidRequest, NotFound } from '../errors.ts';
import { ErrorResponse } from '@twinwire/schemas/rest/common';
import { RuleList, RuleParams } from '@twinwire/schemas/rest/alarms';
import { createRule, deleteRule, getRule, listRules, replaceRule } from './store.ts';

const denied = { 401: ErrorResponse, 403: ErrorResponse } as const;

/** What the schema cannot say about a rule; a 400 naming the field. */
function checkRule(input: AlarmRuleInput): void {
  if (input.deviceId !== undefined && input.tag !== undefined)
    throw new InvalidRequest('body: give deviceId (one device) or tag (tagged devices), not both');
  const { condition } = input;
  if (condition.op !== 'no_data' && input.metric === undefined)
    throw new InvalidRequest(`body/metric is required for the condition ${condition.op}`);
  if ((condition.op === 'between' || condition.op === 'outside') && condition.low > condition.high)
    throw new InvalidRequest('body/condition/low must not be greater than body/condition/high');
  if (
    (condition.op === '>' ||
      condition.op === '>=' ||
      condition.op === '<' ||
      condition.op === '<=') &&
    typeof condition.value !== 'number'
  )
    throw new InvalidRequest(`body/condition/value must be a number for ${condition.op}`);
}

/** A rule naming a device that does not exist: 400 rather than a foreign-key 500. */
async function withDeviceCheck<T>(input: AlarmRuleInput, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as { code?: string }).code === '23503')
      throw new InvalidRequest(`body/deviceId: no device '${input.deviceId ?? ''}'`);
    throw error;
  }
}

/** Alarm rules: everyone signed in reads them; operators and admins write them. */
export const alarmRuleRoutes: FastifyPluginAsyncTypebox<{ pool: pg.Pool }> = async (
  app,
  { pool },
) => {
  app.get(
    '/alarm-rules',
    {
      config: { capability: 'alarms.read' },
      schema: {
        tags: ['alarms'],
        operationId: 'listAlarmRules',
        summary: 'Every alarm rule, oldest first',
        response: { 200: RuleList, ...denied },
      },
    },
    async () => ({ items: await listRules(pool) }),
  );

  app.post(
    '/alarm-rules',
    {
      config: { capability: 'alarms.act' },
      schema: {
        tags: ['alarms'],
        operationId: 'createAlarmRule',
        summary: 'Create an alarm rule; every broker and API instance applies it at once',
        body: AlarmRuleInput,
        response: { 201: AlarmRule, 400: ErrorResponse, ...denied },
      },
    },
    async (request, reply) => {
      checkRule(request.body);
      const rule = await withDeviceCheck(request.body, () => createRule(pool, request.body));
      return reply.status(201).send(rule);
    },
  );

  app.get(
    '/alarm-rules/:ruleId',
    {
      config: { capability: 'alarms.read' },
      schema: {
        tags: ['alarms'],
        operationId: 'getAlarmRule',
        summary: 'One alarm rule',
        params: RuleParams,
        response: { 200: AlarmRule, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      const rule = await getRule(pool, request.params.ruleId);
      if (!rule) throw new NotFound(`alarm rule ${request.params.ruleId}`);
      return rule;
    },
  );

  app.put(
    '/alarm-rules/:ruleId',
    {
      config: { capability: 'alarms.act' },
      schema: {
        tags: ['alarms'],
        operationId: 'replaceAlarmRule',
        summary: 'Replace an alarm rule',
        description:
          'Open alarms of the rule stay open; the changed rule re-learns, per device, whether its condition holds from the next reading.',
        params: RuleParams,
        body: AlarmRuleInput,
        response: { 200: AlarmRule, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    },
    async (request) => {
      checkRule(request.body);
      const rule = await withDeviceCheck(request.body, () =>
        replaceRule(pool, request.params.ruleId, request.body),
      );
      if (!rule) throw new NotFound(`alarm rule ${request.params.ruleId}`);
      return rule;
    },
  );

  app.delete(
    '/alarm-rules/:ruleId',
    {
      config: { capability: 'alarms.act' },
      schema: {
        tags: ['alarms'],
        operationId: 'deleteAlarmRule',
        summary: 'Delete an alarm rule; its alarms stay in the history',
        params: RuleParams,
        response: { 204: Type.Null(), ...denied, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      if (!(await deleteRule(pool, request.params.ruleId)))
        throw new NotFound(`alarm rule ${request.params.ruleId}`);
      return reply.status(204).send(null);
    },
  );
};
