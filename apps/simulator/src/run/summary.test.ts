import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FleetSnapshot } from '../fleet/fleet.ts';
import type { Counts } from '../verify/accounting.ts';
import { formatProgress, startProgress } from './progress.ts';
import { findProblems, formatSummary, type RunSummary } from './summary.ts';
import { deviceSocketUrl, endpointOf } from './targets.ts';

const snapshot: FleetSnapshot = {
  devices: 10,
  connected: 9,
  readings: 500,
  acked: 480,
  pending: 20,
  messagesSent: 300,
  connects: 12,
  disconnects: 2,
  sessionsResumed: 1,
  errors: 3,
  commandsAnswered: 0,
};

const counts = (overrides: Partial<Counts> = {}): Counts => ({
  sent: 100,
  acked: 100,
  stored: 100,
  lost: 0,
  lostAcked: 0,
  notTransmitted: 0,
  resent: 0,
  duplicated: 0,
  unexpected: 0,
  ...overrides,
});

function summary(total: Counts, qos = 1): RunSummary {
  const partial: Omit<RunSummary, 'ok' | 'problems'> = {
    targets: { api: 'http://127.0.0.1:3000', mqtt: 'mqtt://127.0.0.1:1883', ws: null },
    devices: { total: 10, mqtt: 10, mqttByVersion: { '3.1.1': 10, '5': 0 }, ws: 0 },
    durationS: 12.3,
    settings: {
      mqttVersion: '3.1.1',
      qos,
      profile: 'mix',
      rate: 1,
      count: null,
      cleanSession: null,
    },
    fleet: snapshot,
    messagesPerSecond: 25,
    faults: null,
    delivery: {
      groups: [{ protocol: 'mqtt', qos, devices: 10, ...total }],
      total,
      monitored: true,
      monitorGaps: 0,
    },
    drained: true,
    lastErrors: [{ error: 'ECONNRESET: read ECONNRESET', devices: 3 }],
  };
  const problems = findProblems(partial);
  return { ok: problems.length === 0, problems, ...partial };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the progress line', () => {
  it('shows connections, rate, readings, acks and errors', () => {
    expect(formatProgress(snapshot, 7, 42.04)).toBe(
      '[   7s]  connected 9/10  42.0 msgs/s  readings 500  acked 480  pending 20  reconnects 2  errors 3',
    );
  });

  it('rewrites one line every second on a terminal', () => {
    vi.useFakeTimers();
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const progress = startProgress({
      snapshot: () => snapshot,
      stream,
      isTty: true,
      now: () => Date.now(),
    });
    vi.advanceTimersByTime(3000);
    progress.stop();
    expect(written.split('\r').length - 1).toBe(4);
    expect(written.endsWith('\n')).toBe(true);
    expect(written.slice(0, -1)).not.toContain('\n');
  });

  it('prints a new line every 5 s elsewhere', () => {
    vi.useFakeTimers();
    const stream = new PassThrough();
    let written = '';
    stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const progress = startProgress({
      snapshot: () => snapshot,
      stream,
      isTty: false,
      now: () => Date.now(),
    });
    vi.advanceTimersByTime(11_000);
    progress.stop();
    expect(written.split('\n').filter(Boolean)).toHaveLength(2);
    expect(written).not.toContain('\r');
  });
});

describe('the summary', () => {
  it('prints the accounting table and OK when the guarantee held', () => {
    const text = formatSummary(summary(counts()));
    expect(text).toContain('mqtt qos1');
    expect(text).toMatch(
      /sent\s+acked\s+stored\s+lost\s+lost acked\s+resent\s+duplicated\s+unexpected/,
    );
    expect(text).toContain('last error on 3 device(s): ECONNRESET');
    expect(text.trimEnd().endsWith('OK')).toBe(true);
  });

  it('is not ok when an acknowledged reading is missing from the database', () => {
    const result = summary(counts({ stored: 99, lost: 1, lostAcked: 1 }));
    expect(result.ok).toBe(false);
    expect(formatSummary(result)).toContain(
      'NOT OK: 1 acknowledged readings are not in the database',
    );
  });

  it('says how many MQTT devices speak each version, one accounting row per version', () => {
    const base = summary(counts({ sent: 200, acked: 200, stored: 200 }));
    const mixed: RunSummary = {
      ...base,
      devices: { total: 10, mqtt: 10, mqttByVersion: { '3.1.1': 5, '5': 5 }, ws: 0 },
      delivery: {
        ...base.delivery,
        groups: [
          { protocol: 'mqtt', qos: 1, mqttVersion: '3.1.1', devices: 5, ...counts() },
          { protocol: 'mqtt', qos: 1, mqttVersion: '5', devices: 5, ...counts() },
        ],
      },
    };
    const text = formatSummary(mixed);
    expect(text).toContain('10 devices (10 mqtt: 5 v3.1.1 + 5 v5, 0 ws)');
    expect(text).toMatch(/mqtt qos1\s+5\s+100/);
    expect(text).toMatch(/mqtt5 qos1\s+5\s+100/);
    const allV5 = formatSummary({
      ...base,
      devices: { ...base.devices, mqttByVersion: { '3.1.1': 0, '5': 10 } },
    });
    expect(allV5).toContain('10 devices (10 mqtt v5, 0 ws)');
  });

  it('shows QoS 0 acks as not applicable rather than zero', () => {
    const text = formatSummary(summary(counts({ acked: 0 }), 0));
    expect(text).toMatch(/mqtt qos0\s+10\s+100\s+-\s+100/);
  });
});

describe('targets', () => {
  it('derives the device socket from the API URL', () => {
    expect(deviceSocketUrl('http://h:3000/api/v1')).toBe('ws://h:3000/ws/device');
    expect(deviceSocketUrl('https://h')).toBe('wss://h/ws/device');
  });

  it('finds the TCP endpoint, default ports included', () => {
    expect(endpointOf('mqtts://broker.example')).toEqual({ host: 'broker.example', port: 8883 });
    expect(endpointOf('ws://[::1]:8083/mqtt')).toEqual({ host: '::1', port: 8083 });
  });
});
