import { describe, expect, it } from 'vitest';
import { formatMqttVersion, formatRelative } from './format.ts';

describe('formatRelative', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');

  it('says how long ago', () => {
    expect(formatRelative(now - 3 * 60_000, now)).toBe('3 minutes ago');
    expect(formatRelative(now - 5_000, now)).toBe('5 seconds ago');
  });

  it('never says a last-seen time is in the future', () => {
    expect(formatRelative(now + 4_000, now)).toBe('now');
    expect(formatRelative(now + 10 * 60_000, now)).toBe('now');
  });
});

describe('formatMqttVersion', () => {
  it('names the MQTT version of a CONNECT protocol level', () => {
    expect([3, 4, 5, 9].map(formatMqttVersion)).toEqual([
      'MQTT 3.1',
      'MQTT 3.1.1',
      'MQTT 5.0',
      'MQTT level 9',
    ]);
  });
});
