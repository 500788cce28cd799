import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { LeanDevice } from './lean-device.ts';
import { CpuAccount, type CpuSplit } from './machine.ts';
import { Samples, waitUntil } from './stats.ts';
import type { OurBroker } from './targets.ts';

const WARMUP_MS = 1_000;
/** How long QoS 0 readings still queued in sockets and the writer may take to land. */
const SETTLE_MS = 10_000;
const COMMITTED = 'twinwire_broker_telemetry_committed_total';
const DROPPED = 'twinwire_broker_telemetry_qos0_dropped_total';
const INVALID = 'twinwire_broker_telemetry_invalid_total';

/** Valid readings; (device, ts, seq) never repeats, so every one is a new row. */
class Readings {
  private readonly seqs: number[];
  constructor(devices: number) {
    this.seqs = new Array<number>(devices).fill(0);
  }

  next(device: number): string {
    const seq = this.seqs[device]!;
    this.seqs[device] = seq + 1;
    const temperature = 20 + (seq % 50) / 10;
    return `{"ts":${Date.now()},"seq":${seq},"metrics":{"temperature":${temperature},"humidity":${40 + (seq % 7)},"door":${seq % 2 === 0}}}`;
  }
}

const readingsByFleet = new WeakMap<readonly LeanDevice[], Readings>();
function readingsFor(devices: readonly LeanDevice[]): Readings {
  let readings = readingsByFleet.get(devices);
  if (!readings) {
    readings = new Readings(devices.length);
    readingsByFleet.set(devices, readings);
  }
  return readings;
}

export interface Qos1Result {
  rowsPerSecond: number;
  latencies: Samples;
  cpuMicrosPerRow: number;
  rss: number;
  /** Every PUBACK received, warm-up and drain included: each is a committed row. */
  ackedTotal: number;
  /** Publishes failed by their connection closing first; that device sends no more. */
  errors: number;
  cpu: CpuSplit;
}

export async function runQos1(
  broker: OurBroker,
  devices: readonly LeanDevice[],
  ids: readonly string[],
  options: { window: number; measureMs: number },
  account: CpuAccount,
): Promise<Qos1Result> {
  const readings = readingsFor(devices);
  const latencies = new Samples();
  let running = true;
  let counting = false;
  let outstanding = 0;
  let acked = 0;
  let ackedInWindow = 0;
  let errors = 0;

  // Each PUBACK (sent by the broker only once the reading is committed) releases the next.
  const send = (device: number) => {
    if (!running) return;
    const sentAt = performance.now();
    outstanding += 1;
    devices[device]!.publish(
      `devices/${ids[device]!}/telemetry`,
      readings.next(device),
      1,
      (error) => {
        outstanding -= 1;
        if (error) {
          errors += 1;
          return;
        }
        acked += 1;
        if (counting) {
          ackedInWindow += 1;
          latencies.add(performance.now() - sentAt);
        }
        send(device);
      },
    );
  };
  for (let device = 0; device < devices.length; device += 1) {
    for (let i = 0; i < options.window; i += 1) send(device);
  }

  await sleep(WARMUP_MS);
  const before = account.snapshot();
  counting = true;
  await sleep(options.measureMs);
  counting = false;
  const after = account.snapshot();
  running = false;
  await waitUntil(() => outstanding === 0, 30_000);
  return {
    rowsPerSecond: ackedInWindow / ((after.at - before.at) / 1000),
    latencies,
    cpuMicrosPerRow: (after.broker - before.broker) / ackedInWindow,
    rss: await broker.rss(),
    ackedTotal: acked,
    errors,
    cpu: CpuAccount.split(before, after),
  };
}

export interface Qos0Result {
  offeredPerSecond: number;
  /** Rows committed per second while the load ran. */
  storedPerSecond: number;
  cpuMicrosPerReading: number;
  rss: number;
  sent: number;
  /** Readings not sent because their device's connection had closed. */
  unsent: number;
  /** Rows added to the table by this phase, counted there once the broker settled. */
  stored: number;
  dropped: number;
  invalid: number;
  /** Sent but neither committed, dropped nor refused when the wait for them ended. */
  unsettled: number;
  cpu: CpuSplit;
}

export async function runQos0(
  broker: OurBroker,
  devices: readonly LeanDevice[],
  ids: readonly string[],
  options: { rate: number; measureMs: number },
  countRows: () => Promise<number>,
  account: CpuAccount,
): Promise<Qos0Result> {
  const readings = readingsFor(devices);
  const rowsBefore = await countRows();
  const counters = async () => ({
    committed: await broker.metric(COMMITTED),
    dropped: await broker.metric(DROPPED),
    invalid: await broker.metric(INVALID),
  });
  const initial = await counters();

  // Fixed offered rate: a 1 ms timer sends what the schedule says is due, round-robin.
  let sent = 0;
  let unsent = 0;
  let next = 0;
  const perMs = options.rate / 1000;
  const begun = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - begun) * perMs) - sent - unsent;
    for (let i = 0; i < due; i += 1) {
      const device = devices[next]!;
      if (device.closed) unsent += 1;
      else {
        device.publish(`devices/${ids[next]!}/telemetry`, readings.next(next), 0);
        sent += 1;
      }
      next = (next + 1) % devices.length;
    }
  }, 1);

  // Each end of the window: the counters first, then the sent count at the same moment.
  await sleep(WARMUP_MS);
  // The broker reads its counter when it answers: time it by the answer's arrival.
  const committedBefore = await broker.metric(COMMITTED);
  const committedBeforeAt = performance.now();
  const before = account.snapshot();
  const sentBefore = sent;
  await sleep(options.measureMs);
  const after = account.snapshot();
  const sentInWindow = sent - sentBefore;
  const committedAfter = await broker.metric(COMMITTED);
  const committedAfterAt = performance.now();
  const elapsedS = (after.at - before.at) / 1000;
  clearInterval(timer);

  // Settled once every reading sent is accounted for: committed, dropped or invalid.
  let settled = await counters();
  const accounted = () =>
    settled.committed -
    initial.committed +
    settled.dropped -
    initial.dropped +
    settled.invalid -
    initial.invalid;
  for (const deadline = Date.now() + SETTLE_MS; accounted() < sent && Date.now() < deadline;) {
    await sleep(100);
    settled = await counters();
  }
  return {
    offeredPerSecond: sentInWindow / elapsedS,
    storedPerSecond:
      (committedAfter - committedBefore) / ((committedAfterAt - committedBeforeAt) / 1000),
    cpuMicrosPerReading: (after.broker - before.broker) / sentInWindow,
    rss: await broker.rss(),
    sent,
    unsent,
    stored: (await countRows()) - rowsBefore,
    dropped: settled.dropped - initial.dropped,
    invalid: settled.invalid - initial.invalid,
    unsettled: sent - accounted(),
    cpu: CpuAccount.split(before, after),
  };
}
