import { describe, expect, it } from 'vitest';
import { topicMatches } from './topic-match.ts';

describe('topicMatches', () => {
  it.each([
    ['devices/a/telemetry', 'devices/a/telemetry', true],
    ['devices/a/telemetry', 'devices/b/telemetry', false],
    ['devices/+/telemetry', 'devices/b/telemetry', true],
    ['devices/+/telemetry', 'devices/b/status', false],
    ['devices/+', 'devices/b/status', false],
    ['devices/#', 'devices', true],
    ['devices/#', 'devices/b/commands/reboot/ack', true],
    ['#', 'devices/b/status', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['devices/a', 'devices/a/telemetry', false],
  ])('%s against %s is %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
