import { Type } from 'typebox';
import { WebhookEventType } from '../alarms.ts';

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'http(s) URL events are POSTed to',
});
const Events = Type.Array(WebhookEventType, { minItems: 1, uniqueItems: true });

export const WebhookParams = Type.Object(
  { webhookId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
export const DeadLetterParams = Type.Object(
  { outboxId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const CreateWebhookBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Url,
    events: Events,
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        description: 'signs every body (Twinwire-Signature); omit to get a random one',
      }),
    ),
    enabled: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

export const UpdateWebhookBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Webhook = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    url: Type.String(),
    events: Type.Array(WebhookEventType),
    enabled: Type.Boolean(),
    pending: Type.Integer({ minimum: 0, description: 'events waiting for delivery' }),
    dead: Type.Integer({ minimum: 0, description: 'dead letters' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const CreatedWebhook = Type.Object(
  {
    ...Webhook.properties,
    secret: Type.String({ description: 'shown once: keep it to verify signatures' }),
  },
  { additionalProperties: false },
);

export const WebhookList = Type.Object(
  { items: Type.Array(Webhook) },
  { additionalProperties: false },
);

const Cursor = Type.Optional(Type.String({ description: 'nextCursor of the previous page' }));
export const PageQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }), cursor: Cursor },
  { additionalProperties: false },
);

const Delivery = Type.Object(
  {
    id: Type.Integer(),
    outboxId: Type.Integer(),
    eventId: Type.String({ format: 'uuid' }),
    eventType: WebhookEventType,
    attempt: Type.Integer({ minimum: 1 }),
    statusCode: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    durationMs: Type.Integer({ minimum: 0 }),
    attemptedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export const DeliveryPage = Type.Object(
  { items: Type.Array(Delivery), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

export const DeadLetterQuery = Type.Object(
  {
    ...PageQuery.properties,
    destinationId: Type.Optional(
      Type.String({ format: 'uuid', description: 'only this destination’s dead letters' }),
    ),
  },
  { additionalProperties: false },
);

const DeadLetter = Type.Object(
  {
    outboxId: Type.Integer(),
    destinationId: Type.String({ format: 'uuid' }),
    eventId: Type.String({ format: 'uuid' }),
    eventType: WebhookEventType,
    deviceId: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    body: Type.Unknown({ description: 'the event as it would be POSTed' }),
  },
  { additionalProperties: false },
);
export const DeadLetterPage = Type.Object(
  { items: Type.Array(DeadLetter), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
