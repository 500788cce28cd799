import { Type } from 'typebox';

const Topic = Type.String({
  minLength: 1,
  maxLength: 65_535,
  description: 'MQTT topic name (no wildcards)',
  pattern: '^[^+#\\u0000]+$',
});

export const ListRetainedQuery = Type.Object(
  {
    filter: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 65_535,
        description: 'MQTT topic filter the retained messages match (+ and # allowed); default #',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
);

export const RetainedTopicQuery = Type.Object({ topic: Topic }, { additionalProperties: false });

const RetainedView = Type.Object(
  {
    topic: Type.String(),
    brokerId: Type.String({
      description:
        '"" when every broker shares the retained store (Redis), else the broker holding it',
    }),
    publisher: Type.Object(
      {
        kind: Type.Enum(['device', 'user', 'service', 'broker'], {
          description: 'broker: published by the broker itself (a device’s status)',
        }),
        id: Type.String(),
        username: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    qos: Type.Integer({ minimum: 0, maximum: 2 }),
    payloadBytes: Type.Integer({ minimum: 0 }),
    publishedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const RetainedPage = Type.Object(
  {
    items: Type.Array(RetainedView),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
