import { DeviceId } from '../primitives.ts';
import { Type } from 'typebox';

export const DeviceParams = Type.Object({ id: DeviceId }, { additionalProperties: false });

/** Free-form labels an operator keeps with a device; replaced as a whole on update. */
const metadata = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    additionalProperties: false,
    maxProperties: 64,
    propertyNames: { minLength: 1, maxLength: 64 },
    description: `${description}: a free-form JSON object (at most 64 keys, 16 KiB as JSON)`,
  });
const DeviceMetadata = metadata('labels kept with the device');

/** Bytes of metadata JSON we store per device: the schema cannot bound nested values. */
export const MAX_METADATA_BYTES = 16 * 1024;

const DeviceName = Type.String({ minLength: 1, maxLength: 200 });

/** A label to filter devices by: one word of letters, digits and `_ . : / -`. */
const DeviceTag = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.:/-]+$',
  description: 'tag: 1-64 characters of A-Z a-z 0-9 _ . : / -',
});
const DeviceTags = Type.Array(DeviceTag, {
  maxItems: 32,
  uniqueItems: true,
  description: 'labels to filter by (at most 32, no repeats)',
});
const Timestamp = Type.String({ format: 'date-time' });

export const DeviceConnection = Type.Union(
  [
    Type.Object(
      {
        transport: Type.Enum(['mqtt', 'websocket'], {
          description:
            'mqtt: an MQTT client of a broker (any listener); websocket: the API’s device WebSocket (/ws/device, JSON frames, no MQTT)',
        }),
        protocolVersion: Type.Union([Type.Integer(), Type.Null()], {
          description:
            'MQTT CONNECT protocol level: 4 = MQTT 3.1.1, 5 = MQTT 5.0 (3 = MQTT 3.1); null over the device WebSocket',
        }),
        listener: Type.Union([Type.Enum(['mqtt', 'mqtt-tls', 'mqtt-ws']), Type.Null()], {
          description:
            'the broker listener (TCP, TLS, MQTT over WebSocket); null over the device WebSocket',
        }),
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  {
    description:
      'how the device is connected now (from the brokers’ client registry and the API’s device sockets); null when offline',
  },
);

export const DeviceView = Type.Object(
  {
    id: DeviceId,
    name: DeviceName,
    metadata: DeviceMetadata,
    online: Type.Boolean(),
    lastProtocol: Type.Union([Type.String(), Type.Null()], {
      description: 'mqtt or websocket: how it last connected',
    }),
    lastSeenAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    tags: DeviceTags,
    connection: DeviceConnection,
  },
  { additionalProperties: false },
);

export const CreateDeviceBody = Type.Object(
  {
    id: DeviceId,
    name: DeviceName,
    metadata: Type.Optional(DeviceMetadata),
    tags: Type.Optional(DeviceTags),
  },
  { additionalProperties: false },
);

export const UpdateDeviceBody = Type.Object(
  {
    name: Type.Optional(DeviceName),
    metadata: Type.Optional(metadata('replaces the stored metadata')),
    tags: Type.Optional(DeviceTags),
  },
  { additionalProperties: false, minProperties: 1 },
);

const MAX_PAGE_SIZE = 200;

export const ListDevicesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'nextCursor of the previous page; opaque',
      }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: 'case-insensitive substring of the id or name',
      }),
    ),
    online: Type.Optional(Type.Boolean()),
    tag: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        pattern: '^[A-Za-z0-9_.:/-]+(,[A-Za-z0-9_.:/-]+)*$',
        description: 'devices carrying every one of these comma-separated tags',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DevicePage = Type.Object(
  {
    items: Type.Array(DeviceView),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'pass as cursor for the next page; null on the last one',
    }),
    hasMore: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const CredentialParams = Type.Object(
  { id: DeviceId, credentialId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

const CredentialView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    createdAt: Timestamp,
    revokedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

export const CredentialList = Type.Object(
  { items: Type.Array(CredentialView) },
  { additionalProperties: false },
);

export const IssuedCredentialView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    deviceId: DeviceId,
    secret: Type.String({ description: 'shown only in this response; it is not stored' }),
    createdAt: Timestamp,
    connect: Type.Object(
      {
        mqtt: Type.Object(
          { clientId: DeviceId, username: DeviceId, password: Type.String() },
          { additionalProperties: false },
        ),
        websocket: Type.Object(
          {
            url: Type.Literal('/ws/device'),
            headers: Type.Object(
              {
                authorization: Type.String({
                  description: 'HTTP Basic: base64 of "<deviceId>:<secret>", on the upgrade',
                }),
              },
              { additionalProperties: false },
            ),
            query: Type.Object(
              { device_id: DeviceId, secret: Type.String() },
              {
                additionalProperties: false,
                description: 'for clients that cannot set headers: ?device_id=&secret=',
              },
            ),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
