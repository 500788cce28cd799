import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limits } from './limits.ts';
import {
  InvalidTopicPartError,
  commandAckTopic,
  commandTopic,
  deviceCommandsFilter,
  deviceTopicsFilter,
  errorsTopic,
  isValidCommandName,
  isValidDeviceId,
  parseDeviceTopic,
  statusTopic,
  telemetryTopic,
  topicFilters,
} from './topics.ts';

const allowed = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-';
const topicLevel = fc.string({
  unit: fc.constantFrom(...Array.from(allowed)),
  minLength: 1,
  maxLength: limits.deviceId.maxLength,
});
const referencePattern = new RegExp(limits.deviceId.pattern);

const hostileIds: [string, string][] = [
  ['a slash', 'a/b'],
  ['a plus', '+'],
  ['a hash', '#'],
  ['NUL', 'a\u0000b'],
  ['a newline', 'a\n'],
  ['DEL', '\u007f'],
  ['a space', 'a b'],
  ['the empty string', ''],
  ['65 characters', 'x'.repeat(65)],
  ['an emoji', 'sensor-🔥'],
  ['non-ASCII letters', 'capteur-é'],
  ['a dollar sign', '$SYS'],
];

describe('topic builders', () => {
  it('build the five device topics', () => {
    expect(telemetryTopic('a')).toBe('devices/a/telemetry');
    expect(statusTopic('a')).toBe('devices/a/status');
    expect(errorsTopic('a')).toBe('devices/a/errors');
    expect(commandTopic('a', 'reboot')).toBe('devices/a/commands/reboot');
    expect(commandAckTopic('a', 'reboot')).toBe('devices/a/commands/reboot/ack');
  });

  it('build the device filters', () => {
    expect(deviceCommandsFilter('a')).toBe('devices/a/commands/+');
    expect(deviceTopicsFilter('a')).toBe('devices/a/#');
    expect(topicFilters.allTelemetry).toBe('devices/+/telemetry');
  });

  it('accept ids at the length limit', () => {
    const id = 'x'.repeat(limits.deviceId.maxLength);
    expect(telemetryTopic(id)).toBe(`devices/${id}/telemetry`);
  });

  it.each(hostileIds)('refuse a device id with %s', (_, id) => {
    expect(isValidDeviceId(id)).toBe(false);
    for (const build of [telemetryTopic, statusTopic, errorsTopic, deviceTopicsFilter]) {
      expect(() => build(id)).toThrow(InvalidTopicPartError);
    }
    expect(() => commandTopic(id, 'ok')).toThrow(InvalidTopicPartError);
  });

  it.each(hostileIds)('refuse a command name with %s', (_, name) => {
    expect(isValidCommandName(name)).toBe(false);
    expect(() => commandTopic('ok', name)).toThrow(InvalidTopicPartError);
    expect(() => commandAckTopic('ok', name)).toThrow(InvalidTopicPartError);
  });

  it('name the bad part, the bad character and its position', () => {
    const error = (() => {
      try {
        commandTopic('dev-1', 're/boot');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidTopicPartError);
    if (!(error instanceof InvalidTopicPartError)) return;
    expect(error.part).toBe('commandName');
    expect(error.code).toBe('TWW_INVALID_TOPIC_PART');
    expect(error.message).toBe(
      'Invalid command name "re/boot": character "/" at index 2 is not allowed; use 1-64 characters of A-Z a-z 0-9 _ . : -',
    );
  });

  it('escape control characters and truncate long values in the message', () => {
    expect(() => telemetryTopic('a\u0000b')).toThrow('Invalid device id "a\\u0000b"');
    expect(() => telemetryTopic('')).toThrow('Invalid device id "": it is empty');
    expect(() => telemetryTopic('x'.repeat(1000))).toThrow(/it is 1000 characters long \(max 64\)/);
  });
});

describe('parseDeviceTopic', () => {
  it('parses each device topic', () => {
    expect(parseDeviceTopic('devices/a/telemetry')).toEqual({ kind: 'telemetry', deviceId: 'a' });
    expect(parseDeviceTopic('devices/a/status')).toEqual({ kind: 'status', deviceId: 'a' });
    expect(parseDeviceTopic('devices/a/errors')).toEqual({ kind: 'errors', deviceId: 'a' });
    expect(parseDeviceTopic('devices/a/commands/reboot')).toEqual({
      kind: 'command',
      deviceId: 'a',
      name: 'reboot',
    });
    expect(parseDeviceTopic('devices/a/commands/reboot/ack')).toEqual({
      kind: 'commandAck',
      deviceId: 'a',
      name: 'reboot',
    });
  });

  it.each([
    'devices/a/telemetry/extra',
    'devices//telemetry',
    'devices/+/telemetry',
    'devices/#',
    'devices/a/#',
    '$SYS/broker/uptime',
    '$SYS/devices/a/telemetry',
    '/devices/a/telemetry',
    'devices/a/telemetry/',
    'devices/a',
    'devices/a/',
    'devices',
    '',
    'Devices/a/telemetry',
    'devices/a/unknown',
    'devices/a/commands',
    'devices/a/commands/',
    'devices/a/commands//ack',
    'devices/a/commands/reboot/ack/extra',
    'devices/a/commands/reboot/nack',
    'devices/a/commands/reboot/',
    'devices/a/commands/+',
    'devices/a b/telemetry',
    `devices/${'x'.repeat(65)}/telemetry`,
    `devices/a/commands/${'x'.repeat(65)}`,
    'devices/a\u0000/telemetry',
  ])('returns null for %j', (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });

  it('round-trips every valid id and name through the builders', () => {
    fc.assert(
      fc.property(topicLevel, topicLevel, (deviceId, name) => {
        expect(parseDeviceTopic(telemetryTopic(deviceId))).toEqual({ kind: 'telemetry', deviceId });
        expect(parseDeviceTopic(statusTopic(deviceId))).toEqual({ kind: 'status', deviceId });
        expect(parseDeviceTopic(errorsTopic(deviceId))).toEqual({ kind: 'errors', deviceId });
        expect(parseDeviceTopic(commandTopic(deviceId, name))).toEqual({
          kind: 'command',
          deviceId,
          name,
        });
        expect(parseDeviceTopic(commandAckTopic(deviceId, name))).toEqual({
          kind: 'commandAck',
          deviceId,
          name,
        });
      }),
    );
  });

  it('agrees with the limits pattern on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (id) => {
        const expected = id.length <= limits.deviceId.maxLength && referencePattern.test(id);
        expect(isValidDeviceId(id)).toBe(expected);
        expect(isValidCommandName(id)).toBe(expected);
        expect(parseDeviceTopic(`devices/${id}/telemetry`) !== null).toBe(expected);
        if (expected) expect(() => telemetryTopic(id)).not.toThrow();
        else expect(() => telemetryTopic(id)).toThrow(InvalidTopicPartError);
      }),
    );
  });
});
