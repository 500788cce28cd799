/**
 * WebSocket frames, each a JSON object discriminated on `type`.
 * `/ws/live` carries dashboards, `/ws/device` carries devices that do not speak MQTT.
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { limits } from './limits.ts';
import { Command, CommandAck } from './messages.ts';
import {
  CommandName,
  EpochMillis,
  ErrorCode,
  ErrorMessage,
  MessageId,
  TopicText,
} from './primitives.ts';
import { TelemetryReading } from './telemetry.ts';

const closed = { additionalProperties: false } as const;

// Frames both endpoints send.

/** The frame with this `id` was handled (for telemetry: committed to storage). */
export const AckFrame = Type.Object({ type: Type.Literal('ack'), id: MessageId }, closed);
export type AckFrame = Static<typeof AckFrame>;

/** A request failed (`id` set) or the connection has a problem (`id` absent). */
export const ErrorFrame = Type.Object(
  {
    type: Type.Literal('error'),
    id: Type.Optional(MessageId),
    code: ErrorCode,
    message: ErrorMessage,
  },
  closed,
);
export type ErrorFrame = Static<typeof ErrorFrame>;

// /ws/live (dashboards)

export const HistoryRequest = Type.Object(
  {
    since: Type.Optional(EpochMillis),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxHistoryLimit })),
  },
  closed,
);
export type HistoryRequest = Static<typeof HistoryRequest>;

/** Start streaming every message on topics matching `filter` (MQTT wildcards allowed). */
export const SubscribeFrame = Type.Object(
  {
    type: Type.Literal('subscribe'),
    id: MessageId,
    filter: TopicText,
    history: Type.Optional(HistoryRequest),
  },
  closed,
);
export type SubscribeFrame = Static<typeof SubscribeFrame>;

export const UnsubscribeFrame = Type.Object(
  { type: Type.Literal('unsubscribe'), id: MessageId, filter: TopicText },
  closed,
);
export type UnsubscribeFrame = Static<typeof UnsubscribeFrame>;

export const SubscribedFrame = Type.Object(
  { type: Type.Literal('subscribed'), id: MessageId, filter: TopicText },
  closed,
);
export type SubscribedFrame = Static<typeof SubscribedFrame>;

/** One message from the broker, forwarded as parsed JSON. */
export const MessageFrame = Type.Object(
  {
    type: Type.Literal('message'),
    topic: TopicText,
    payload: Type.Unknown({ description: 'The message payload as JSON' }),
    ts: Type.Optional(EpochMillis),
  },
  closed,
);
export type MessageFrame = Static<typeof MessageFrame>;

export const DashboardClientFrame = Type.Union([SubscribeFrame, UnsubscribeFrame], {
  title: 'DashboardClientFrame',
});
export type DashboardClientFrame = Static<typeof DashboardClientFrame>;

export const DashboardServerFrame = Type.Union(
  [SubscribedFrame, MessageFrame, AckFrame, ErrorFrame],
  { title: 'DashboardServerFrame' },
);
export type DashboardServerFrame = Static<typeof DashboardServerFrame>;

// /ws/device (devices)

/** Optional first frame: the protocol version the device speaks. */
export const HelloFrame = Type.Object(
  { type: Type.Literal('hello'), protocolVersion: Type.Literal(limits.deviceProtocolVersion) },
  closed,
);
export type HelloFrame = Static<typeof HelloFrame>;

/** One reading; acked by `id` once committed. */
export const TelemetryReadingFrame = Type.Object(
  { type: Type.Literal('telemetry'), id: MessageId, reading: TelemetryReading },
  closed,
);
export type TelemetryReadingFrame = Static<typeof TelemetryReadingFrame>;

/** Several readings (same bounds as an MQTT batch); acked by `id` once all are committed. */
export const TelemetryBatchFrame = Type.Object(
  {
    type: Type.Literal('telemetry'),
    id: MessageId,
    points: Type.Array(TelemetryReading, { minItems: 1, maxItems: limits.maxBatchPoints }),
  },
  closed,
);
export type TelemetryBatchFrame = Static<typeof TelemetryBatchFrame>;

export const TelemetryFrame = Type.Union([TelemetryReadingFrame, TelemetryBatchFrame]);
export type TelemetryFrame = Static<typeof TelemetryFrame>;

/** The device's answer to a command, as on `devices/{id}/commands/{name}/ack`. */
export const CommandAckFrame = Type.Object(
  { type: Type.Literal('commandAck'), commandName: CommandName, ack: CommandAck },
  closed,
);
export type CommandAckFrame = Static<typeof CommandAckFrame>;

/** A command for the device, as on `devices/{id}/commands/{name}`. */
export const CommandFrame = Type.Object(
  { type: Type.Literal('command'), name: CommandName, command: Command },
  closed,
);
export type CommandFrame = Static<typeof CommandFrame>;

export const DeviceClientFrame = Type.Union(
  [HelloFrame, TelemetryReadingFrame, TelemetryBatchFrame, CommandAckFrame],
  { title: 'DeviceClientFrame' },
);
export type DeviceClientFrame = Static<typeof DeviceClientFrame>;

export const DeviceServerFrame = Type.Union([AckFrame, CommandFrame, ErrorFrame], {
  title: 'DeviceServerFrame',
});
export type DeviceServerFrame = Static<typeof DeviceServerFrame>;

/** The readings a telemetry frame carries, as an array whichever form it used. */
export function telemetryFrameReadings(frame: TelemetryFrame): TelemetryReading[] {
  return 'points' in frame ? frame.points : [frame.reading];
}
