/**
 * MQTT topic builders and parser for the device topics. Every topic an app publishes to or
 * parses goes through here; nobody concatenates topic strings by hand.
 *
 * | topic                              | direction          |
 * | ---------------------------------- | ------------------ |
 * | `devices/{id}/telemetry`           | device → platform  |
 * | `devices/{id}/status`              | platform, retained |
 * | `devices/{id}/commands/{name}`     | platform → device  |
 * | `devices/{id}/commands/{name}/ack` | device → platform  |
 * | `devices/{id}/errors`              | platform → device  |
 */
import { limits } from './limits.ts';
import { quote } from './text.ts';

export type TopicPart = 'deviceId' | 'commandName';

export type DeviceTopic =
  | { kind: 'telemetry' | 'status' | 'errors'; deviceId: string }
  | { kind: 'command' | 'commandAck'; deviceId: string; name: string };

export type DeviceTopicKind = DeviceTopic['kind'];

const partLabels: Record<TopicPart, string> = {
  deviceId: 'device id',
  commandName: 'command name',
};
const allowedCharsText = 'A-Z a-z 0-9 _ . : -';

/** A device id or command name that cannot be one MQTT topic level. */
export class InvalidTopicPartError extends Error {
  readonly code = 'TWW_INVALID_TOPIC_PART';
  override readonly name = 'InvalidTopicPartError';
  /** Which part of the topic was refused. */
  readonly part: TopicPart;
  /** Why, e.g. `character "/" at index 1 is not allowed`. */
  readonly reason: string;

  constructor(part: TopicPart, value: string, reason: string) {
    const max = limits[part].maxLength;
    super(
      `Invalid ${partLabels[part]} ${quote(value, 70)}: ${reason}; use 1-${max} characters of ${allowedCharsText}`,
    );
    this.part = part;
    this.reason = reason;
  }
}

// One lookup per character instead of a regular expression: these run for every message.
const levelChars = new Uint8Array(128);
for (const range of ['AZ', 'az', '09', '__', '..', '::', '--']) {
  for (let code = range.charCodeAt(0); code <= range.charCodeAt(1); code++) levelChars[code] = 1;
}

function isTopicLevel(value: string, maxLength: number): boolean {
  const length = value.length;
  if (length === 0 || length > maxLength) return false;
  for (let i = 0; i < length; i++) {
    if (levelChars[value.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/** True when `id` is a valid device id (1-64 of `A-Z a-z 0-9 _ . : -`). */
export function isValidDeviceId(id: string): boolean {
  return isTopicLevel(id, limits.deviceId.maxLength);
}

/** True when `name` is a valid command name (1-64 of `A-Z a-z 0-9 _ . : -`). */
export function isValidCommandName(name: string): boolean {
  return isTopicLevel(name, limits.commandName.maxLength);
}

function invalidReason(value: string, maxLength: number): string {
  if (value.length === 0) return 'it is empty';
  if (value.length > maxLength) return `it is ${value.length} characters long (max ${maxLength})`;
  for (let i = 0; i < value.length; i++) {
    if (levelChars[value.charCodeAt(i)] !== 1) {
      const char = String.fromCodePoint(value.codePointAt(i) ?? 0);
      return `character ${quote(char)} at index ${i} is not allowed`;
    }
  }
  return 'it is not allowed';
}

function checked(part: TopicPart, value: string): string {
  const maxLength = limits[part].maxLength;
  // `typeof` guards JavaScript callers and values that slipped past the types.
  if (!isTopicLevel(value, maxLength)) {
    throw new InvalidTopicPartError(part, value, invalidReason(value, maxLength));
  }
  return value;
}

/** `devices/{deviceId}/telemetry`; throws {@link InvalidTopicPartError}. */
export function telemetryTopic(deviceId: string): string {
  return `devices/${checked('deviceId', deviceId)}/telemetry`;
}

/** `devices/{deviceId}/status`; throws {@link InvalidTopicPartError}. */
export function statusTopic(deviceId: string): string {
  return `devices/${checked('deviceId', deviceId)}/status`;
}

/** `devices/{deviceId}/errors`; throws {@link InvalidTopicPartError}. */
export function errorsTopic(deviceId: string): string {
  return `devices/${checked('deviceId', deviceId)}/errors`;
}

/** `devices/{deviceId}/commands/{name}`; throws {@link InvalidTopicPartError}. */
export function commandTopic(deviceId: string, name: string): string {
  return `devices/${checked('deviceId', deviceId)}/commands/${checked('commandName', name)}`;
}

/** `devices/{deviceId}/commands/{name}/ack`; throws {@link InvalidTopicPartError}. */
export function commandAckTopic(deviceId: string, name: string): string {
  return `devices/${checked('deviceId', deviceId)}/commands/${checked('commandName', name)}/ack`;
}

/** `alarms/{deviceId}`: the device's alarm transitions (issue #18), published by the platform. */
export function alarmsTopic(deviceId: string): string {
  return `alarms/${checked('deviceId', deviceId)}`;
}

/** Subscription filters across all devices. */
export const topicFilters = {
  allTelemetry: 'devices/+/telemetry',
  allStatus: 'devices/+/status',
  allErrors: 'devices/+/errors',
  allCommandAcks: 'devices/+/commands/+/ack',
  allAlarms: 'alarms/+',
} as const;

/** `devices/{deviceId}/commands/+`: what a device subscribes to for its commands. */
export function deviceCommandsFilter(deviceId: string): string {
  return `devices/${checked('deviceId', deviceId)}/commands/+`;
}

/** `devices/{deviceId}/#`: every topic of one device. */
export function deviceTopicsFilter(deviceId: string): string {
  return `devices/${checked('deviceId', deviceId)}/#`;
}

const prefix = 'devices/';
const commandsLevel = 'commands/';
const longestTopic =
  prefix.length +
  limits.deviceId.maxLength +
  1 +
  commandsLevel.length +
  limits.commandName.maxLength +
  '/ack'.length;

/**
 * What a device topic names, or `null` for anything not exactly one of the five device
 * topics with a valid id (extra levels, empty levels, wildcards, `$SYS/...`).
 */
export function parseDeviceTopic(topic: string): DeviceTopic | null {
  if (topic.length > longestTopic || !topic.startsWith(prefix)) return null;
  const idEnd = topic.indexOf('/', prefix.length);
  if (idEnd === -1) return null;
  const deviceId = topic.slice(prefix.length, idEnd);
  if (!isValidDeviceId(deviceId)) return null;

  const restStart = idEnd + 1;
  if (topic.startsWith(commandsLevel, restStart)) {
    const nameStart = restStart + commandsLevel.length;
    const nameEnd = topic.indexOf('/', nameStart);
    const name = nameEnd === -1 ? topic.slice(nameStart) : topic.slice(nameStart, nameEnd);
    if (!isValidCommandName(name)) return null;
    if (nameEnd === -1) return { kind: 'command', deviceId, name };
    return topic.length === nameEnd + 4 && topic.endsWith('/ack')
      ? { kind: 'commandAck', deviceId, name }
      : null;
  }

  const rest = topic.slice(restStart);
  switch (rest) {
    case 'telemetry':
    case 'status':
    case 'errors':
      return { kind: rest, deviceId };
    default:
      return null;
  }
}
