import type { SimulatorEnv } from '../config.ts';
import { Fleet } from '../fleet/fleet.ts';
import type { FaultProxyStats } from '../proxy/fault-proxy.ts';
import {
  provisionDevices,
  readCredentialsFile,
  writeCredentialsFile,
  type DeviceCredential,
} from '../provision.ts';
import { startDeliveryMonitor, type DeliveryMonitor } from '../verify/delivery-monitor.ts';
import type { ReadingLedger } from '../verify/ledger.ts';
import { verifyFleet } from '../verify/verify-fleet.ts';
import { startProgress } from './progress.ts';
import { wantsFaultProxy, type RunOptions } from './run-options.ts';
import { findProblems, groupRows, type RunSummary } from './summary.ts';
import { deviceSocketUrl, resolveTargets, routeDevices } from './targets.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunIo {
  /** The progress line goes here (stderr); nothing when `--json`. */
  progress: NodeJS.WriteStream | NodeJS.WritableStream;
  isTty: boolean;
  /** Resolves when the user interrupts (SIGINT): the run then stops sending and verifies. */
  interrupted?: Promise<void>;
}

const DEFAULT_DEVICES = 10;
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * `twinwire-sim run`: provision (or load) devices, connect them, send for the duration or
 * count (through the fault proxy when faults are asked for), wait for the acks, disconnect,
 * then check the database through the API and account for every reading.
 */
export async function runFleet(
  options: RunOptions,
  env: SimulatorEnv,
  io: RunIo,
): Promise<RunSummary> {
  const targets = await resolveTargets(options, env);
  const cleanups: (() => Promise<void>)[] = [() => targets.close()];
  try {
    const credentials = await deviceCredentials(options, targets.api, targets.credentials);
    if (options.saveCredentials !== undefined)
      await writeCredentialsFile(options.saveCredentials, credentials);

    const useProxy = wantsFaultProxy(options);
    const routes = await routeDevices(options, targets, useProxy);
    cleanups.push(() => routes.close());
    const fleet = new Fleet({
      credentials,
      protocol: options.protocol,
      mqttVersion: options.mqttVersion,
      qos: options.qos,
      cleanSession: options.cleanSession,
      profile: options.profile,
      rate: options.rate,
      count: options.count,
      mqttUrl: routes.mqttUrl,
      wsUrl: routes.wsUrl,
      ...(routes.tls ? { tls: routes.tls } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    cleanups.push(() => fleet.stop());

    const ledgers = new Map<string, ReadingLedger>(
      fleet.devices.map((device) => [device.deviceId, device.ledger]),
    );
    let monitor: DeliveryMonitor | undefined;
    if (options.monitor && targets.mqtt !== undefined) {
      // Straight to the broker, never through the fault proxy: it watches, it is not tested.
      monitor = await startDeliveryMonitor({
        url: targets.mqtt,
        credentials: targets.credentials,
        ledgers,
        ...(routes.tls ? { tls: { ...routes.tls, servername: undefined } } : {}),
      });
      const started = monitor;
      cleanups.push(() => started.close());
    }

    const progress = options.json
      ? undefined
      : startProgress({ snapshot: () => fleet.snapshot(), stream: io.progress, isTty: io.isTty });
    const startedAt = performance.now();
    await fleet.connect(CONNECT_TIMEOUT_MS);
    const sendStart = performance.now();
    let outages = 0;
    const outageTimer =
      options.outage === undefined
        ? undefined
        : setTimeout(() => {
            outages += 1;
            const forMs = (options.outage?.forS ?? 0) * 1000;
            for (const proxy of routes.proxies) void proxy.outage(forMs);
          }, options.outage.atS * 1000);

    const sending = fleet.send();
    const stops: Promise<unknown>[] = [sending];
    if (options.durationS !== undefined) stops.push(sleep(options.durationS * 1000));
    if (io.interrupted) stops.push(io.interrupted);
    await Promise.race(stops);
    fleet.stopSending();
    if (outageTimer !== undefined) clearTimeout(outageTimer);
    const sendSeconds = (performance.now() - sendStart) / 1000;
    const messagesWhileSending = fleet.snapshot().messagesSent;

    const drained = await fleet.drain(options.drainTimeoutS * 1000);
    progress?.stop();
    await fleet.stop();
    await monitor?.settle();
    const durationS = (performance.now() - startedAt) / 1000;

    const verification = await verifyFleet(
      targets.api,
      targets.credentials,
      fleet.devices.map((device) => ({ ledger: device.ledger, mode: device.mode })),
      { monitored: monitor !== undefined },
    );
    const mqttDevices = fleet.devices.filter((device) => device.mode.protocol === 'mqtt').length;
    const mqtt5Devices = fleet.devices.filter((device) => device.mode.mqttVersion === '5').length;
    const partial: Omit<RunSummary, 'ok' | 'problems'> = {
      targets: {
        api: targets.api,
        mqtt: mqttDevices > 0 ? (targets.mqtt ?? null) : null,
        ws: routes.wsUrl === undefined ? null : deviceSocketUrl(targets.api),
      },
      devices: {
        total: fleet.devices.length,
        mqtt: mqttDevices,
        mqttByVersion: { '3.1.1': mqttDevices - mqtt5Devices, '5': mqtt5Devices },
        ws: fleet.devices.length - mqttDevices,
      },
      durationS: round2(durationS),
      settings: {
        mqttVersion: options.mqttVersion,
        qos: options.qos,
        profile: options.profile,
        rate: options.rate,
        count: options.count ?? null,
        cleanSession: options.cleanSession ?? null,
      },
      fleet: fleet.snapshot(),
      messagesPerSecond: sendSeconds > 0 ? round2(messagesWhileSending / sendSeconds) : 0,
      faults: useProxy
        ? { proxy: sumProxyStats(routes.proxies.map((proxy) => proxy.stats())), outages }
        : null,
      delivery: {
        groups: groupRows(verification.groups),
        total: verification.total,
        monitored: monitor !== undefined,
        monitorGaps: monitor?.gaps ?? 0,
      },
      drained,
      lastErrors: fleet.lastErrors(),
    };
    const problems = findProblems(partial);
    return { ok: problems.length === 0, problems, ...partial };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

async function deviceCredentials(
  options: RunOptions,
  api: string,
  admin: { username: string; password: string },
): Promise<DeviceCredential[]> {
  if (options.credentialsFile === undefined)
    return provisionDevices(api, admin, options.devices ?? DEFAULT_DEVICES, options.prefix);
  const all = await readCredentialsFile(options.credentialsFile);
  if (options.devices === undefined) return all;
  if (options.devices > all.length)
    throw new Error(
      `--devices ${options.devices}: ${options.credentialsFile} holds only ${all.length} devices`,
    );
  return all.slice(0, options.devices);
}

function sumProxyStats(stats: readonly FaultProxyStats[]): FaultProxyStats {
  return stats.reduce(
    (sum, one) => ({
      connections: sum.connections + one.connections,
      open: sum.open + one.open,
      dropped: sum.dropped + one.dropped,
      bytesToServer: sum.bytesToServer + one.bytesToServer,
      bytesToClient: sum.bytesToClient + one.bytesToClient,
    }),
    { connections: 0, open: 0, dropped: 0, bytesToServer: 0, bytesToClient: 0 },
  );
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
