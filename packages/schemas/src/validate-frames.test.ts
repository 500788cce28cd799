import { describe, expect, it } from 'vitest';
import { limits } from './limits.ts';
import { expectIssue, expectOk, json, now, validReading } from './test-helpers.ts';
import {
  parseDashboardFrame,
  parseDashboardServerFrame,
  parseDeviceFrame,
  parseDeviceServerFrame,
} from './validate.ts';
import { telemetryFrameReadings } from './ws-frames.ts';

const at = { now };

describe('parseDashboardFrame (/ws/live, client to server)', () => {
  it('accepts subscribe with and without history, and unsubscribe', () => {
    const frames = [
      { type: 'subscribe', id: 'r1', filter: 'devices/+/telemetry' },
      { type: 'subscribe', id: 'r2', filter: 'devices/a/#', history: { since: now, limit: 1000 } },
      { type: 'subscribe', id: 'r3', filter: 'devices/a/status', history: {} },
      { type: 'unsubscribe', id: 'r4', filter: 'devices/+/telemetry' },
    ];
    for (const frame of frames) expect(expectOk(parseDashboardFrame(json(frame)))).toEqual(frame);
  });

  it('refuses an unknown type, listing the known ones', () => {
    const issue = expectIssue(
      parseDashboardFrame(json({ type: 'publish', id: 'r' })),
      'TWW_INVALID_PAYLOAD',
      '/type',
    );
    expect(issue.message).toBe(
      '/type: expected "subscribe" or "unsubscribe", got string "publish"',
    );
  });

  it('refuses a history limit over 1000 and a missing filter', () => {
    const subscribe = { type: 'subscribe', id: 'r', filter: 'devices/#' };
    expectIssue(
      parseDashboardFrame(json({ ...subscribe, history: { limit: limits.maxHistoryLimit + 1 } })),
      'TWW_INVALID_PAYLOAD',
      '/history/limit',
    );
    expectIssue(
      parseDashboardFrame(json({ type: 'unsubscribe', id: 'r' })),
      'TWW_INVALID_PAYLOAD',
      '/filter',
    );
  });

  it('refuses a frame without a type', () => {
    expectIssue(parseDashboardFrame(json({ id: 'r' })), 'TWW_INVALID_PAYLOAD', '/type');
  });
});

describe('parseDashboardServerFrame (/ws/live, server to client)', () => {
  it('accepts subscribed, message, ack and error frames', () => {
    const frames = [
      { type: 'subscribed', id: 'r1', filter: 'devices/+/telemetry' },
      { type: 'message', topic: 'devices/a/telemetry', payload: validReading(), ts: now },
      { type: 'message', topic: 'devices/a/status', payload: null },
      { type: 'ack', id: 'r1' },
      { type: 'error', code: 'TWW_ACL_DENIED', message: 'not allowed' },
      { type: 'error', id: 'r1', code: 'TWW_ACL_DENIED', message: 'not allowed' },
    ];
    for (const frame of frames) expectOk(parseDashboardServerFrame(json(frame)));
  });
});

describe('parseDeviceFrame (/ws/device, client to server)', () => {
  it('accepts hello, a reading, a batch and a command ack', () => {
    const frames = [
      { type: 'hello', protocolVersion: 1 },
      { type: 'telemetry', id: 'm1', reading: validReading() },
      { type: 'telemetry', id: 'm2', points: [validReading(), validReading()] },
      { type: 'commandAck', commandName: 'reboot', ack: { id: 'c1', ok: true } },
    ];
    for (const frame of frames) expect(expectOk(parseDeviceFrame(json(frame), at))).toEqual(frame);
  });

  it('gives the readings of either telemetry form as an array', () => {
    const single = expectOk(
      parseDeviceFrame(json({ type: 'telemetry', id: 'm', reading: validReading() }), at),
    );
    const batch = expectOk(
      parseDeviceFrame(
        json({ type: 'telemetry', id: 'm', points: [validReading(), validReading()] }),
        at,
      ),
    );
    if (single.type !== 'telemetry' || batch.type !== 'telemetry') throw new Error('not telemetry');
    expect(telemetryFrameReadings(single)).toHaveLength(1);
    expect(telemetryFrameReadings(batch)).toHaveLength(2);
  });

  it('refuses an unsupported protocol version', () => {
    expectIssue(
      parseDeviceFrame(json({ type: 'hello', protocolVersion: 2 }), at),
      'TWW_INVALID_PAYLOAD',
      '/protocolVersion',
    );
  });

  it('applies the MQTT telemetry bounds inside telemetry frames', () => {
    const frame = { type: 'telemetry', id: 'm', reading: validReading({ 'bad name': 1 }) };
    expectIssue(
      parseDeviceFrame(json(frame), at),
      'TWW_INVALID_PAYLOAD',
      '/reading/metrics/bad name',
    );
    const points = Array.from({ length: 501 }, () => validReading());
    expectIssue(
      parseDeviceFrame(json({ type: 'telemetry', id: 'm', points }), at),
      'TWW_INVALID_PAYLOAD',
      '/points',
    );
    expectIssue(
      parseDeviceFrame(json({ type: 'telemetry', id: 'm' }), at),
      'TWW_INVALID_PAYLOAD',
      '/reading',
    );
  });

  it('applies the time window inside telemetry frames', () => {
    const late = { ...validReading(), ts: now + 3_600_000 };
    expectIssue(
      parseDeviceFrame(json({ type: 'telemetry', id: 'm', reading: late }), at),
      'TWW_TIMESTAMP_OUT_OF_WINDOW',
      '/reading/ts',
    );
    expectIssue(
      parseDeviceFrame(json({ type: 'telemetry', id: 'm', points: [validReading(), late] }), at),
      'TWW_TIMESTAMP_OUT_OF_WINDOW',
      '/points/1/ts',
    );
  });

  it('refuses a frame with both reading and points', () => {
    const frame = { type: 'telemetry', id: 'm', reading: validReading(), points: [validReading()] };
    expectIssue(parseDeviceFrame(json(frame), at), 'TWW_INVALID_PAYLOAD');
  });

  it('refuses oversized frames before parsing them', () => {
    expectIssue(
      parseDeviceFrame(' '.repeat(limits.maxPayloadBytes + 1), at),
      'TWW_PAYLOAD_TOO_LARGE',
    );
  });

  it('refuses an invalid command name in a command ack', () => {
    const frame = { type: 'commandAck', commandName: 'a/b', ack: { id: 'c', ok: true } };
    expectIssue(parseDeviceFrame(json(frame), at), 'TWW_INVALID_PAYLOAD', '/commandName');
  });
});

describe('parseDeviceServerFrame (/ws/device, server to client)', () => {
  it('accepts ack, command and error frames', () => {
    const frames = [
      { type: 'ack', id: 'm1' },
      { type: 'command', name: 'reboot', command: { id: 'c1', args: { delay: 5 } } },
      { type: 'error', id: 'm1', code: 'TWW_INVALID_PAYLOAD', message: '/ts: …' },
    ];
    for (const frame of frames) expectOk(parseDeviceServerFrame(json(frame)));
  });

  it('refuses a command frame whose command has no args', () => {
    const frame = { type: 'command', name: 'reboot', command: { id: 'c1' } };
    expectIssue(parseDeviceServerFrame(json(frame)), 'TWW_INVALID_PAYLOAD', '/command/args');
  });
});
