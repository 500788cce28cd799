import type { Static } from 'typebox';
import { describe, expectTypeOf, it } from 'vitest';
import type { Command, CommandAck, DeviceError, DeviceProtocol, DeviceStatus } from './messages.ts';
import type { ParseResult, ValidationIssue } from './parse-result.ts';
import type {
  MetricValue,
  StoredReading,
  TelemetryBatch,
  TelemetryPayload,
  TelemetryReading,
} from './telemetry.ts';
import type { StoredReading as StoredReadingSchema } from './telemetry.ts';
import type { DeviceTopic } from './topics.ts';
import type { parseDeviceFrame, parseTelemetry, validators } from './validate.ts';
import type {
  DashboardClientFrame,
  DashboardServerFrame,
  DeviceClientFrame,
  DeviceServerFrame,
} from './ws-frames.ts';

describe('static types', () => {
  it('telemetry matches the contract', () => {
    expectTypeOf<MetricValue>().toEqualTypeOf<number | boolean | string>();
    expectTypeOf<TelemetryReading>().toEqualTypeOf<{
      ts: number;
      seq: number;
      metrics: { [name: string]: number | boolean | string };
    }>();
    expectTypeOf<TelemetryBatch>().toEqualTypeOf<{ points: TelemetryReading[] }>();
    expectTypeOf<TelemetryPayload>().toEqualTypeOf<TelemetryReading | TelemetryBatch>();
    expectTypeOf<StoredReading>().toEqualTypeOf<{ deviceId: string } & TelemetryReading>();
    expectTypeOf<Static<typeof StoredReadingSchema>>().toExtend<StoredReading>();
    expectTypeOf<StoredReading>().toExtend<Static<typeof StoredReadingSchema>>();
  });

  it('messages match the contract', () => {
    expectTypeOf<DeviceProtocol>().toEqualTypeOf<'mqtt' | 'mqtt-ws' | 'mqtt-tls' | 'websocket'>();
    expectTypeOf<DeviceStatus>().toEqualTypeOf<{
      online: boolean;
      since: number;
      protocol: DeviceProtocol;
    }>();
    expectTypeOf<Command>().toEqualTypeOf<{ id: string; args: { [key: string]: unknown } }>();
    expectTypeOf<CommandAck>().toEqualTypeOf<{
      id: string;
      ok: boolean;
      result?: unknown;
      error?: string;
    }>();
    expectTypeOf<DeviceError>().toEqualTypeOf<{ code: string; message: string; topic: string }>();
  });

  it('dashboard frames are unions discriminated on type', () => {
    expectTypeOf<DashboardClientFrame['type']>().toEqualTypeOf<'subscribe' | 'unsubscribe'>();
    expectTypeOf<Extract<DashboardClientFrame, { type: 'subscribe' }>>().toEqualTypeOf<{
      type: 'subscribe';
      id: string;
      filter: string;
      history?: { since?: number; limit?: number };
    }>();
    expectTypeOf<DashboardServerFrame['type']>().toEqualTypeOf<
      'subscribed' | 'message' | 'ack' | 'error'
    >();
    expectTypeOf<Extract<DashboardServerFrame, { type: 'message' }>>().toEqualTypeOf<{
      type: 'message';
      topic: string;
      payload: unknown;
      ts?: number;
    }>();
    expectTypeOf<Extract<DashboardServerFrame, { type: 'error' }>>().toEqualTypeOf<{
      type: 'error';
      id?: string;
      code: string;
      message: string;
    }>();
  });

  it('device frames are unions discriminated on type', () => {
    expectTypeOf<DeviceClientFrame['type']>().toEqualTypeOf<'hello' | 'telemetry' | 'commandAck'>();
    expectTypeOf<Extract<DeviceClientFrame, { type: 'hello' }>>().toEqualTypeOf<{
      type: 'hello';
      protocolVersion: 1;
    }>();
    expectTypeOf<Extract<DeviceClientFrame, { type: 'telemetry' }>>().toEqualTypeOf<
      | { type: 'telemetry'; id: string; reading: TelemetryReading }
      | { type: 'telemetry'; id: string; points: TelemetryReading[] }
    >();
    expectTypeOf<Extract<DeviceClientFrame, { type: 'commandAck' }>>().toEqualTypeOf<{
      type: 'commandAck';
      commandName: string;
      ack: CommandAck;
    }>();
    expectTypeOf<DeviceServerFrame['type']>().toEqualTypeOf<'ack' | 'command' | 'error'>();
    expectTypeOf<Extract<DeviceServerFrame, { type: 'command' }>>().toEqualTypeOf<{
      type: 'command';
      name: string;
      command: Command;
    }>();
  });

  it('parse functions return the result union', () => {
    expectTypeOf<ReturnType<typeof parseTelemetry>>().toEqualTypeOf<
      ParseResult<TelemetryReading[]>
    >();
    expectTypeOf<ReturnType<typeof parseDeviceFrame>>().toEqualTypeOf<
      ParseResult<DeviceClientFrame>
    >();
    expectTypeOf<ParseResult<number>>().toEqualTypeOf<
      { ok: true; value: number } | { ok: false; error: ValidationIssue }
    >();
    expectTypeOf<ValidationIssue['code']>().toEqualTypeOf<
      | 'TWW_PAYLOAD_TOO_LARGE'
      | 'TWW_INVALID_JSON'
      | 'TWW_INVALID_PAYLOAD'
      | 'TWW_TIMESTAMP_OUT_OF_WINDOW'
    >();
    expectTypeOf<(typeof validators)['command']['Check']>().parameter(0).toEqualTypeOf<unknown>();
  });

  it('parseDeviceTopic narrows name to the command kinds', () => {
    expectTypeOf<
      Extract<DeviceTopic, { kind: 'telemetry' | 'status' | 'errors' }>
    >().toEqualTypeOf<{
      kind: 'telemetry' | 'status' | 'errors';
      deviceId: string;
    }>();
    expectTypeOf<Extract<DeviceTopic, { kind: 'command' | 'commandAck' }>>().toEqualTypeOf<{
      kind: 'command' | 'commandAck';
      deviceId: string;
      name: string;
    }>();
  });
});
