import { describe, expect, it } from 'vitest';
import { needsJsonGuard } from './free-form.ts';
import { Command, CommandAck, DeviceError, DeviceStatus } from './messages.ts';
import { TelemetryBatch, TelemetryPayload, TelemetryReading } from './telemetry.ts';
import {
  DashboardClientFrame,
  DashboardServerFrame,
  DeviceClientFrame,
  DeviceServerFrame,
  HelloFrame,
  TelemetryFrame,
} from './ws-frames.ts';

describe('needsJsonGuard', () => {
  it('is false where the schema rules out deep nesting and __proto__ keys', () => {
    for (const schema of [
      TelemetryReading,
      TelemetryBatch,
      TelemetryPayload,
      DeviceStatus,
      DeviceError,
      DashboardClientFrame,
      HelloFrame,
      TelemetryFrame,
    ]) {
      expect(needsJsonGuard(schema)).toBe(false);
    }
  });

  it('is true where a message carries free-form JSON', () => {
    for (const schema of [
      Command,
      CommandAck,
      DashboardServerFrame,
      DeviceClientFrame,
      DeviceServerFrame,
    ]) {
      expect(needsJsonGuard(schema)).toBe(true);
    }
  });

  it('is true for an object whose key pattern admits __proto__', () => {
    const schema = {
      type: 'object',
      patternProperties: { '^[a-z_]+$': { type: 'number' } },
      additionalProperties: false,
    };
    expect(needsJsonGuard(schema)).toBe(true);
  });
});
