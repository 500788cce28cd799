import { Type } from 'typebox';
import type { Static } from 'typebox';

/** Alarm rules, alarms and the webhook event bodies (issue #18). */

const Scalar = Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 1024 })]);

/** `>`, `>=`, `<`, `<=` compare numbers; `==` and `!=` any scalar reading. */
export const CompareCondition = Type.Object(
  {
    op: Type.Enum(['>', '>=', '<', '<=', '==', '!=']),
    value: Scalar,
  },
  { additionalProperties: false, title: 'CompareCondition' },
);

/** `between`: low ≤ value ≤ high; `outside`: value < low or value > high. */
export const RangeCondition = Type.Object(
  {
    op: Type.Enum(['between', 'outside']),
    low: Type.Number(),
    high: Type.Number(),
  },
  { additionalProperties: false, title: 'RangeCondition' },
);

/** Holds while the device has sent no reading for `seconds`. */
export const NoDataCondition = Type.Object(
  {
    op: Type.Literal('no_data'),
    seconds: Type.Integer({ minimum: 1, maximum: 30 * 86_400 }),
  },
  { additionalProperties: false, title: 'NoDataCondition' },
);

export const AlarmCondition = Type.Union([CompareCondition, RangeCondition, NoDataCondition]);
export type AlarmCondition = Static<typeof AlarmCondition>;

export const AlarmSeverity = Type.Enum(['info', 'warning', 'critical']);
export type AlarmSeverity = Static<typeof AlarmSeverity>;

export const AlarmState = Type.Enum(['raised', 'acknowledged', 'cleared']);
export type AlarmState = Static<typeof AlarmState>;

const RuleName = Type.String({ minLength: 1, maxLength: 200 });
const MetricName = Type.String({ minLength: 1, maxLength: 128 });

/** A rule as created or replaced through the API. */
export const AlarmRuleInput = Type.Object(
  {
    name: RuleName,
    deviceId: Type.Optional(
      Type.String({ minLength: 1, description: 'only this device (omit with tag for all)' }),
    ),
    tag: Type.Optional(
      Type.String({ minLength: 1, description: 'only devices carrying this tag' }),
    ),
    metric: Type.Optional(
      Type.String({
        ...MetricName,
        description: 'the metric compared; not used by no_data',
      }),
    ),
    condition: AlarmCondition,
    raiseAfterS: Type.Integer({
      minimum: 0,
      maximum: 30 * 86_400,
      default: 0,
      description: 'seconds the condition must hold before the alarm is raised',
    }),
    clearAfterS: Type.Integer({
      minimum: 0,
      maximum: 30 * 86_400,
      default: 0,
      description: 'seconds the condition must stop holding before the alarm clears',
    }),
    severity: AlarmSeverity,
    message: Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'template: {device}, {metric}, {value} and {rule} are replaced',
    }),
    enabled: Type.Boolean({ default: true }),
  },
  { additionalProperties: false, title: 'AlarmRuleInput' },
);
export type AlarmRuleInput = Static<typeof AlarmRuleInput>;

export const AlarmRule = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: RuleName,
    deviceId: Type.Union([Type.String(), Type.Null()]),
    tag: Type.Union([Type.String(), Type.Null()]),
    metric: Type.Union([Type.String(), Type.Null()]),
    condition: AlarmCondition,
    raiseAfterS: Type.Integer(),
    clearAfterS: Type.Integer(),
    severity: AlarmSeverity,
    message: Type.String(),
    enabled: Type.Boolean(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false, title: 'AlarmRule' },
);
export type AlarmRule = Static<typeof AlarmRule>;

export const Alarm = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    ruleId: Type.Union([Type.String(), Type.Null()], {
      description: 'null once the rule is deleted',
    }),
    ruleName: Type.String(),
    deviceId: Type.String(),
    severity: AlarmSeverity,
    state: AlarmState,
    message: Type.String(),
    value: Type.Union([Scalar, Type.Null()], { description: 'the reading that raised it' }),
    raisedAt: Type.String({ format: 'date-time' }),
    acknowledgedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
    clearedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    clearedBy: Type.Union([Type.String(), Type.Null()], {
      description: 'who cleared it; null when the rule cleared it',
    }),
  },
  { additionalProperties: false, title: 'Alarm' },
);
export type Alarm = Static<typeof Alarm>;

export const WebhookEventType = Type.Enum([
  'alarm.raised',
  'alarm.acknowledged',
  'alarm.cleared',
  'device.online',
  'device.offline',
  'telemetry',
]);
export type WebhookEventType = Static<typeof WebhookEventType>;

/** The alarm transitions, as the live WebSocket, MQTT `alarms/{deviceId}` and webhooks carry them. */
export const AlarmEventType = Type.Enum(['alarm.raised', 'alarm.acknowledged', 'alarm.cleared']);
export type AlarmEventType = Static<typeof AlarmEventType>;

const EventEnvelope = {
  id: Type.String({
    format: 'uuid',
    description: 'the event; also the Idempotency-Key header, the same on every retry',
  }),
  createdAt: Type.String({ format: 'date-time' }),
};

export const AlarmEvent = Type.Object(
  { ...EventEnvelope, type: AlarmEventType, data: Alarm },
  { additionalProperties: false, title: 'AlarmEvent' },
);
export type AlarmEvent = Static<typeof AlarmEvent>;

export const DeviceStatusEvent = Type.Object(
  {
    ...EventEnvelope,
    type: Type.Enum(['device.online', 'device.offline']),
    data: Type.Object(
      { deviceId: Type.String(), protocol: Type.Union([Type.String(), Type.Null()]) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'DeviceStatusEvent' },
);
export type DeviceStatusEvent = Static<typeof DeviceStatusEvent>;

/** A reading, for destinations subscribed to `telemetry`: one event per new reading. */
export const TelemetryEvent = Type.Object(
  {
    ...EventEnvelope,
    type: Type.Literal('telemetry'),
    data: Type.Object(
      {
        deviceId: Type.String(),
        ts: Type.Integer({ description: 'epoch milliseconds' }),
        seq: Type.Integer(),
        metrics: Type.Record(Type.String(), Scalar),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'TelemetryEvent' },
);
export type TelemetryEvent = Static<typeof TelemetryEvent>;

/** What a webhook destination receives: the body of each POST. */
export const WebhookEvent = Type.Union([AlarmEvent, DeviceStatusEvent, TelemetryEvent], {
  title: 'WebhookEvent',
});
export type WebhookEvent = Static<typeof WebhookEvent>;
