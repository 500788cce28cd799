import { Type } from 'typebox';
import type { Static } from 'typebox';
import { limits } from './limits.ts';
import { EpochMillis, ErrorCode, ErrorMessage, MessageId, TopicText } from './primitives.ts';

/** How a device is connected. */
export const DeviceProtocol = Type.Union([
  Type.Literal('mqtt'),
  Type.Literal('mqtt-ws'),
  Type.Literal('mqtt-tls'),
  Type.Literal('websocket'),
]);
export type DeviceProtocol = Static<typeof DeviceProtocol>;

/** Retained on `devices/{id}/status`; also the device's MQTT last will. */
export const DeviceStatus = Type.Object(
  {
    online: Type.Boolean(),
    since: EpochMillis,
    protocol: DeviceProtocol,
  },
  { additionalProperties: false, title: 'DeviceStatus' },
);
export type DeviceStatus = Static<typeof DeviceStatus>;

/** Sent on `devices/{id}/commands/{name}`. */
export const Command = Type.Object(
  {
    id: MessageId,
    args: Type.Record(Type.String(), Type.Unknown(), {
      maxProperties: limits.maxCommandArgs,
      description: `Command arguments: an object of at most ${limits.maxCommandArgs} keys, nested at most ${limits.maxJsonDepth} deep`,
    }),
  },
  { additionalProperties: false, title: 'Command' },
);
export type Command = Static<typeof Command>;

/** Published by the device on `devices/{id}/commands/{name}/ack`. */
export const CommandAck = Type.Object(
  {
    id: MessageId,
    ok: Type.Boolean(),
    result: Type.Optional(Type.Unknown({ description: 'Any JSON value' })),
    error: Type.Optional(ErrorMessage),
  },
  { additionalProperties: false, title: 'CommandAck' },
);
export type CommandAck = Static<typeof CommandAck>;

/** Sent on `devices/{id}/errors` when the platform refused something the device sent. */
export const DeviceError = Type.Object(
  {
    code: ErrorCode,
    message: ErrorMessage,
    topic: TopicText,
  },
  { additionalProperties: false, title: 'DeviceError' },
);
export type DeviceError = Static<typeof DeviceError>;
