/**
 * Compiled validators (built once, at module load) and the parse functions every ingest
 * point runs: bytes in, typed value or one actionable {@link ValidationIssue} out.
 */
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { decodeJson } from './decode-payload.ts';
import { explain } from './explain.ts';
import { needsJsonGuard } from './free-form.ts';
import { findUnsafeJson } from './json-guard.ts';
import { LabReport } from './lab-report.ts';
import { Command, CommandAck, DeviceError, DeviceStatus } from './messages.ts';
import type { ParseResult, TelemetryParseOptions, ValidationIssue } from './parse-result.ts';
import { fail } from './parse-result.ts';
import { TelemetryBatch, TelemetryPayload, TelemetryReading } from './telemetry.ts';
import { findWindowIssue } from './window.ts';
import {
  DashboardClientFrame,
  DashboardServerFrame,
  DeviceClientFrame,
  DeviceServerFrame,
} from './ws-frames.ts';

export type {
  ParseFailure,
  ParseResult,
  ParseSuccess,
  TelemetryParseOptions,
  ValidationIssue,
  ValidationIssueCode,
} from './parse-result.ts';

export const validators = {
  telemetryReading: Compile(TelemetryReading),
  telemetryBatch: Compile(TelemetryBatch),
  telemetryPayload: Compile(TelemetryPayload),
  deviceStatus: Compile(DeviceStatus),
  command: Compile(Command),
  commandAck: Compile(CommandAck),
  deviceError: Compile(DeviceError),
  dashboardClientFrame: Compile(DashboardClientFrame),
  dashboardServerFrame: Compile(DashboardServerFrame),
  deviceClientFrame: Compile(DeviceClientFrame),
  deviceServerFrame: Compile(DeviceServerFrame),
  labReport: Compile(LabReport),
} as const;

/** What {@link parseMessage} needs: a compiled TypeBox validator fits. */
export interface MessageValidator<T> {
  Check(value: unknown): value is T;
  Type(): TSchema;
}

const readingValidator = validators.telemetryReading;
const batchValidator = validators.telemetryBatch;
const deviceFrameValidator = validators.deviceClientFrame;

/**
 * Checks already-parsed JSON as telemetry (a reading or a batch) and returns its readings,
 * each within the static range and the window around `options.now`.
 */
export function validateTelemetry(
  value: unknown,
  options?: TelemetryParseOptions,
): ParseResult<TelemetryReading[]> {
  let readings: TelemetryReading[];
  let readingPath: string | undefined;
  if (readingValidator.Check(value)) {
    readings = [value];
    readingPath = '';
  } else if (batchValidator.Check(value)) {
    readings = value.points;
  } else {
    return fail(explain(TelemetryPayload, value));
  }
  const issue = findWindowIssue(readings, options, readingPath);
  return issue ? fail(issue) : { ok: true, value: readings };
}

/**
 * Parses an MQTT telemetry payload: size (before decoding), UTF-8, JSON, schema, time
 * window. A single reading and a batch both come back as an array of readings.
 */
export function parseTelemetry(
  payload: Uint8Array | string,
  options?: TelemetryParseOptions,
): ParseResult<TelemetryReading[]> {
  const decoded = decodeJson(payload);
  return decoded.ok ? validateTelemetry(decoded.value, options) : decoded;
}

/**
 * Checks already-parsed JSON against a validator; where the schema admits free-form JSON,
 * also refuses deep nesting and `__proto__` keys.
 */
export function validateMessage<T>(validator: MessageValidator<T>, value: unknown): ParseResult<T> {
  const schema = validator.Type();
  if (!validator.Check(value)) return fail(explain(schema, value));
  const unsafe = needsJsonGuard(schema) ? findUnsafeJson(value) : undefined;
  return unsafe ? fail(unsafe) : { ok: true, value };
}

/** Parses a payload (bytes or text) as the message `validator` describes. */
export function parseMessage<T>(
  validator: MessageValidator<T>,
  payload: Uint8Array | string,
): ParseResult<T> {
  const decoded = decodeJson(payload);
  return decoded.ok ? validateMessage(validator, decoded.value) : decoded;
}

/** `devices/{id}/status` */
export function parseDeviceStatus(payload: Uint8Array | string): ParseResult<DeviceStatus> {
  return parseMessage(validators.deviceStatus, payload);
}

/** `devices/{id}/commands/{name}` */
export function parseCommand(payload: Uint8Array | string): ParseResult<Command> {
  return parseMessage(validators.command, payload);
}

/** `devices/{id}/commands/{name}/ack` */
export function parseCommandAck(payload: Uint8Array | string): ParseResult<CommandAck> {
  return parseMessage(validators.commandAck, payload);
}

/** `devices/{id}/errors` */
export function parseDeviceError(payload: Uint8Array | string): ParseResult<DeviceError> {
  return parseMessage(validators.deviceError, payload);
}

/** A frame a dashboard sent on `/ws/live`. */
export function parseDashboardFrame(
  payload: Uint8Array | string,
): ParseResult<DashboardClientFrame> {
  return parseMessage(validators.dashboardClientFrame, payload);
}

/** A frame the server sent on `/ws/live` (for dashboard clients). */
export function parseDashboardServerFrame(
  payload: Uint8Array | string,
): ParseResult<DashboardServerFrame> {
  return parseMessage(validators.dashboardServerFrame, payload);
}

/** A frame a device sent on `/ws/device`; telemetry gets the same checks as over MQTT. */
export function parseDeviceFrame(
  payload: Uint8Array | string,
  options?: TelemetryParseOptions,
): ParseResult<DeviceClientFrame> {
  const decoded = decodeJson(payload);
  if (!decoded.ok) return decoded;
  const frame = decoded.value;
  if (!deviceFrameValidator.Check(frame)) return fail(explain(DeviceClientFrame, frame));
  let issue: ValidationIssue | undefined;
  switch (frame.type) {
    case 'telemetry':
      issue =
        'points' in frame
          ? findWindowIssue(frame.points, options, undefined)
          : findWindowIssue([frame.reading], options, '/reading');
      break;
    case 'commandAck':
      // The only device frame with free-form JSON (the ack's result).
      issue = findUnsafeJson(frame);
      break;
    case 'hello':
      break;
  }
  return issue ? fail(issue) : { ok: true, value: frame };
}

/** A frame the server sent on `/ws/device` (for device clients). */
export function parseDeviceServerFrame(
  payload: Uint8Array | string,
): ParseResult<DeviceServerFrame> {
  return parseMessage(validators.deviceServerFrame, payload);
}
