import type { TelemetryReading } from '@twinwire/schemas/telemetry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyCounters, type VirtualDevice } from '../devices/virtual-device.ts';
import { createProfile } from '../profiles/create-profile.ts';
import { seededRandom } from '../profiles/random-walk.ts';
import { VEHICLE_BATCH } from '../profiles/vehicle.ts';
import { ReadingLedger } from '../verify/ledger.ts';
import { DeviceDriver } from './device-driver.ts';

function recordingDevice(): VirtualDevice & { messages: TelemetryReading[][] } {
  const messages: TelemetryReading[][] = [];
  return {
    deviceId: 'dev-1',
    mode: { protocol: 'mqtt', qos: 1 },
    ledger: new ReadingLedger('dev-1'),
    counters: emptyCounters(),
    connected: true,
    lastError: undefined,
    messages,
    start: () => undefined,
    send: (readings) => messages.push([...readings]),
    pending: () => 0,
    stop: () => Promise.resolve(),
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_750_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DeviceDriver', () => {
  it('sends exactly its count with seqs 1..n, then finishes', async () => {
    const device = recordingDevice();
    const driver = new DeviceDriver({
      device,
      profile: createProfile('thermostat', seededRandom(1)),
      rate: 10,
      count: 25,
    });
    const done = driver.start();
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    const seqs = device.messages.flat().map((reading) => reading.seq);
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(device.ledger.taken).toBe(25);
  });

  it('keeps the rate: about rate × seconds readings', async () => {
    const device = recordingDevice();
    const driver = new DeviceDriver({
      device,
      profile: createProfile('power-meter', seededRandom(2)),
      rate: 20,
    });
    void driver.start();
    await vi.advanceTimersByTimeAsync(30_000);
    driver.stop();
    expect(driver.readings).toBeGreaterThan(540);
    expect(driver.readings).toBeLessThan(660);
  });

  it('sends vehicle batches with increasing timestamps, cut to the count', async () => {
    const device = recordingDevice();
    const driver = new DeviceDriver({
      device,
      profile: createProfile('vehicle', seededRandom(3)),
      rate: 10,
      count: VEHICLE_BATCH * 2 + 3,
    });
    const done = driver.start();
    await vi.advanceTimersByTimeAsync(10_000);
    await done;
    expect(device.messages.map((message) => message.length)).toEqual([
      VEHICLE_BATCH,
      VEHICLE_BATCH,
      3,
    ]);
    const ts = device.messages.flat().map((reading) => reading.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('stops sending when stopped', async () => {
    const device = recordingDevice();
    const driver = new DeviceDriver({
      device,
      profile: createProfile('thermostat', seededRandom(4)),
      rate: 10,
    });
    const done = driver.start();
    await vi.advanceTimersByTimeAsync(1_000);
    driver.stop();
    await done;
    const sent = device.messages.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(device.messages.length).toBe(sent);
  });
});
