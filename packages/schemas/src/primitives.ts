import { Type } from 'typebox';
import type { Static } from 'typebox';
import { limits } from './limits.ts';

/** Integer epoch milliseconds (UTC) within the static range of {@link limits.ts}. */
export const EpochMillis = Type.Integer({
  minimum: limits.ts.min,
  maximum: limits.ts.max,
  description: 'Integer epoch milliseconds (UTC), 2000-01-01 to 2100-01-01',
});
export type EpochMillis = Static<typeof EpochMillis>;

/** A device id: one safe MQTT topic level. */
export const DeviceId = Type.String({
  minLength: limits.deviceId.minLength,
  maxLength: limits.deviceId.maxLength,
  pattern: limits.deviceId.pattern,
  description: 'Device id: 1-64 characters of A-Z a-z 0-9 _ . : -',
});
export type DeviceId = Static<typeof DeviceId>;

/** What {@link Username} accepts, in words, for error messages. */
export const USERNAME_RULE = '1-128 characters, none of / + # or control characters';

/** A user's name: any printable text that can stand in one MQTT topic level. */
export const Username = Type.String({
  minLength: limits.username.minLength,
  maxLength: limits.username.maxLength,
  pattern: limits.username.pattern,
  description: `Username: ${USERNAME_RULE}`,
});
export type Username = Static<typeof Username>;

const usernamePattern = new RegExp(limits.username.pattern, 'u');

/** Whether `name` may be a user's name; the same rule as {@link Username}. */
export function isValidUsername(name: string): boolean {
  return (
    name.length >= limits.username.minLength &&
    name.length <= limits.username.maxLength &&
    usernamePattern.test(name)
  );
}

/** A command name: one safe MQTT topic level. */
export const CommandName = Type.String({
  minLength: limits.commandName.minLength,
  maxLength: limits.commandName.maxLength,
  pattern: limits.commandName.pattern,
  description: 'Command name: 1-64 characters of A-Z a-z 0-9 _ . : -',
});
export type CommandName = Static<typeof CommandName>;

/** A command id, WebSocket request id or message id chosen by the sender. */
export const MessageId = Type.String({
  minLength: limits.id.minLength,
  maxLength: limits.id.maxLength,
});
export type MessageId = Static<typeof MessageId>;

/** A stable error code such as `TWW_INVALID_PAYLOAD`. */
export const ErrorCode = Type.String({
  maxLength: limits.errorCode.maxLength,
  pattern: limits.errorCode.pattern,
});
export type ErrorCode = Static<typeof ErrorCode>;

/** Error text a person can act on. */
export const ErrorMessage = Type.String({ maxLength: limits.errorMessage.maxLength });
export type ErrorMessage = Static<typeof ErrorMessage>;

/** An MQTT topic name or filter carried inside a message (printable ASCII). */
export const TopicText = Type.String({
  minLength: 1,
  maxLength: limits.topic.maxLength,
  pattern: '^[\\x20-\\x7E]+$',
});
export type TopicText = Static<typeof TopicText>;
