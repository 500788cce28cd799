import { Type } from 'typebox';
import { Alarm, AlarmRule, AlarmSeverity, AlarmState } from '../alarms.ts';

export const RuleParams = Type.Object(
  { ruleId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const AlarmParams = Type.Object(
  { alarmId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const RuleList = Type.Object(
  { items: Type.Array(AlarmRule) },
  { additionalProperties: false },
);

export const ListAlarmsQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union([AlarmState, Type.Literal('open')], {
        description: 'open: raised or acknowledged',
      }),
    ),
    deviceId: Type.Optional(Type.String({ minLength: 1 })),
    ruleId: Type.Optional(Type.String({ format: 'uuid' })),
    severity: Type.Optional(AlarmSeverity),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'raised at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'raised before' })),
    activeFrom: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'open at some moment at or after this time: not cleared, or cleared at or after it; with `to`, the alarms that overlap [activeFrom, to) (what a chart of that range shows)',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const AlarmPage = Type.Object(
  {
    items: Type.Array(Alarm, { description: 'newest raised first' }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const OpenAlarmCount = Type.Object(
  {
    open: Type.Integer({ minimum: 0 }),
    raised: Type.Integer({ minimum: 0, description: 'open and not yet acknowledged' }),
  },
  { additionalProperties: false },
);
