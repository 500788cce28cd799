import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { runFleet } from '../src/run/run-fleet.ts';
import { parseRunOptions, type RawRunFlags } from '../src/run/run-options.ts';
import type { RunSummary } from '../src/run/summary.ts';
import { rowsPerDevice, startTestTwinwire, type TestTwinwire } from './helpers.ts';

let twinwire: TestTwinwire;
beforeAll(async () => {
  twinwire = await startTestTwinwire();
});
afterAll(async () => {
  await twinwire.close();
});

const env = { username: undefined, password: undefined, databaseUrl: undefined };

async function run(flags: RawRunFlags): Promise<RunSummary> {
  const options = parseRunOptions(
    {
      api: twinwire.platform.urls.api,
      mqtt: twinwire.platform.urls.mqtt,
      username: twinwire.admin.username,
      password: twinwire.admin.password,
      seed: '1',
      json: true,
      ...flags,
    },
    env,
  );
  return runFleet(options, env, { progress: new PassThrough(), isTty: false });
}

function group(summary: RunSummary, protocol: 'mqtt' | 'ws') {
  const found = summary.delivery.groups.find((g) => g.protocol === protocol);
  if (!found) throw new Error(`no ${protocol} group in ${JSON.stringify(summary.delivery)}`);
  return found;
}

/** Compares the simulator's stored counts with a count of the rows in PostgreSQL. */
async function expectStoredMatchesDatabase(summary: RunSummary, prefix: string): Promise<void> {
  const ids = Array.from(
    { length: summary.devices.total },
    (_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}`,
  );
  const rows = await rowsPerDevice(twinwire.database, ids);
  const total = [...rows.values()].reduce((sum, n) => sum + n, 0);
  expect(total).toBe(summary.delivery.total.stored);
  expect(summary.delivery.total.unexpected).toBe(0);
}

describe('twinwire-sim run against a real Twinwire', () => {
  it('accounts for every reading over MQTT QoS 1 and the WebSocket protocol', async () => {
    const summary = await run({
      prefix: 'clean',
      devices: '4',
      protocol: 'mix',
      qos: '1',
      rate: '20',
      count: '40',
    });
    expect(summary.ok).toBe(true);
    expect(summary.devices).toEqual({
      total: 4,
      mqtt: 2,
      mqttByVersion: { '3.1.1': 2, '5': 0 },
      ws: 2,
    });
    for (const protocol of ['mqtt', 'ws'] as const) {
      const counts = group(summary, protocol);
      expect(counts).toMatchObject({
        sent: 80,
        acked: 80,
        stored: 80,
        lost: 0,
        lostAcked: 0,
        duplicated: 0,
      });
    }
    await expectStoredMatchesDatabase(summary, 'clean');
  });

  it('loses no acknowledged reading through an outage, and resumes MQTT sessions', async () => {
    const summary = await run({
      prefix: 'outage',
      devices: '4',
      protocol: 'mix',
      qos: '1',
      rate: '20',
      duration: '4',
      outageAt: '1.5',
      outageFor: '1',
      latency: '5',
      jitter: '5',
    });
    expect(summary.faults?.outages).toBe(1);
    expect(summary.faults?.proxy.dropped).toBeGreaterThanOrEqual(4);
    // Every device came back after the outage.
    expect(summary.fleet.connects).toBeGreaterThanOrEqual(8);
    expect(summary.fleet.sessionsResumed).toBeGreaterThanOrEqual(2);
    for (const protocol of ['mqtt', 'ws'] as const) {
      const counts = group(summary, protocol);
      expect(counts.sent).toBeGreaterThan(100);
      expect(counts.lostAcked).toBe(0);
      // QoS 1 and acked frames are held and sent again until acknowledged: nothing is lost.
      expect(counts.lost).toBe(0);
      expect(counts.acked).toBe(counts.sent);
    }
    expect(summary.ok).toBe(true);
    await expectStoredMatchesDatabase(summary, 'outage');
  });

  it('runs a mixed fleet of MQTT 3.1.1 and MQTT 5 devices and stores every reading of both', async () => {
    const summary = await run({
      prefix: 'mixed',
      devices: '4',
      protocol: 'mqtt',
      mqttVersion: 'mixed',
      qos: '1',
      rate: '20',
      count: '30',
    });
    expect(summary.ok).toBe(true);
    expect(summary.devices).toMatchObject({
      total: 4,
      mqtt: 4,
      mqttByVersion: { '3.1.1': 2, '5': 2 },
    });
    expect(summary.settings.mqttVersion).toBe('mixed');
    const byVersion = (version: '3.1.1' | '5') =>
      summary.delivery.groups.find((g) => g.protocol === 'mqtt' && g.mqttVersion === version);
    for (const version of ['3.1.1', '5'] as const) {
      expect(byVersion(version), version).toMatchObject({
        devices: 2,
        sent: 60,
        acked: 60,
        stored: 60,
        lost: 0,
        lostAcked: 0,
        duplicated: 0,
      });
    }
    await expectStoredMatchesDatabase(summary, 'mixed');
  });

  it('resumes MQTT 5 sessions through an outage (Session Expiry Interval) and loses nothing', async () => {
    const summary = await run({
      prefix: 'v5outage',
      devices: '2',
      protocol: 'mqtt',
      mqttVersion: '5',
      qos: '1',
      rate: '20',
      duration: '3',
      outageAt: '1',
      outageFor: '0.5',
    });
    expect(summary.devices.mqttByVersion).toEqual({ '3.1.1': 0, '5': 2 });
    expect(summary.faults?.outages).toBe(1);
    // With MQTT 5's default expiry of 0 the broker would end each session at the cut
    // [MQTT-3.1.2-23], and no reconnect could resume it.
    expect(summary.fleet.sessionsResumed).toBeGreaterThanOrEqual(2);
    const counts = summary.delivery.groups.find((g) => g.mqttVersion === '5');
    expect(counts?.sent).toBeGreaterThan(50);
    // Every reading was seen leaving, aliased PUBLISHes after the reconnect included.
    expect(counts).toMatchObject({ lost: 0, lostAcked: 0, notTransmitted: 0 });
    expect(summary.ok).toBe(true);
    await expectStoredMatchesDatabase(summary, 'v5outage');
  });

  it('counts QoS 0 and QoS 2 readings against the database too', async () => {
    for (const qos of ['0', '2'] as const) {
      const summary = await run({
        prefix: `qos${qos}`,
        devices: '2',
        protocol: 'mqtt',
        qos,
        rate: '20',
        count: '30',
      });
      const counts = group(summary, 'mqtt');
      expect(counts.sent).toBe(60);
      expect(counts.stored).toBe(60);
      expect(counts.acked).toBe(qos === '0' ? 0 : 60);
      await expectStoredMatchesDatabase(summary, `qos${qos}`);
    }
  });
});
