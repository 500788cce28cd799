import { Type } from 'typebox';

const Timestamp = Type.String({ format: 'date-time' });
const ClientId = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'MQTT client id (URL-encode it in paths: user/… and service/… contain a slash)',
});

export const ClientParams = Type.Object({ clientId: ClientId }, { additionalProperties: false });

const State = Type.Enum(['connected', 'offline', 'stale'], {
  description:
    'connected: on a live broker; offline: a persistent session without a connection; stale: its broker stopped reporting',
});

export const ClientView = Type.Object(
  {
    clientId: ClientId,
    state: State,
    brokerId: Type.String(),
    principal: Type.Object(
      {
        kind: Type.Enum(['device', 'user', 'service']),
        id: Type.String(),
        username: Type.Union([Type.String(), Type.Null()]),
        role: Type.String(),
      },
      { additionalProperties: false },
    ),
    protocol: Type.String({ description: 'listener: mqtt, mqtt-tls or mqtt-ws' }),
    protocolVersion: Type.Integer({ description: 'CONNECT protocol level: 4 = 3.1.1, 5 = 5.0' }),
    remoteAddress: Type.Union([Type.String(), Type.Null()]),
    keepaliveS: Type.Integer(),
    cleanSession: Type.Boolean({ description: 'false: the session outlives the connection' }),
    sessionExpiryS: Type.Union([Type.Integer(), Type.Null()], {
      description: 'MQTT 5 session expiry interval; null: never expires',
    }),
    connectedAt: Timestamp,
    disconnectedAt: Type.Union([Timestamp, Type.Null()]),
    subscriptions: Type.Array(
      Type.Object({ filter: Type.String(), qos: Type.Integer() }, { additionalProperties: false }),
      { description: 'the first 200' },
    ),
    subscriptionCount: Type.Integer(),
    inflight: Type.Union([Type.Integer(), Type.Null()], {
      description: 'QoS 1/2 messages sent, not yet acknowledged; null for clean sessions',
    }),
    queued: Type.Union([Type.Integer(), Type.Null()], {
      description: 'messages waiting in the session; null for clean sessions',
    }),
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

export const ListClientsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'substring of the client id, principal id or username',
      }),
    ),
    state: Type.Optional(State),
    brokerId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    principalKind: Type.Optional(Type.Enum(['device', 'user', 'service'])),
    protocol: Type.Optional(Type.Enum(['mqtt', 'mqtt-tls', 'mqtt-ws'])),
  },
  { additionalProperties: false },
);

export const ClientPage = Type.Object(
  {
    items: Type.Array(ClientView),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
    hasMore: Type.Boolean(),
    counts: Type.Object(
      { connected: Type.Integer(), offline: Type.Integer(), stale: Type.Integer() },
      { additionalProperties: false, description: 'every client, whatever the filters' },
    ),
  },
  { additionalProperties: false },
);

export const BrokerList = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          brokerId: Type.String(),
          live: Type.Boolean(),
          sharedSessions: Type.Boolean({ description: 'persistent sessions in Redis' }),
          startedAt: Timestamp,
          heartbeatAt: Timestamp,
          connected: Type.Integer(),
          offline: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
