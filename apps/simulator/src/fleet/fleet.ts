import { MqttDevice } from '../devices/mqtt-device.ts';
import type { ClientTls, VirtualDevice } from '../devices/virtual-device.ts';
import { WsDevice } from '../devices/ws-device.ts';
import { createProfile } from '../profiles/create-profile.ts';
import { PROFILE_NAMES, type ProfileName } from '../profiles/profile.ts';
import { seededRandom } from '../profiles/random-walk.ts';
import type { DeviceCredential } from '../provision.ts';
import type { MqttVersion, QoS } from '../verify/accounting.ts';
import { DeviceDriver } from './device-driver.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FleetPlan {
  credentials: readonly DeviceCredential[];
  protocol: 'mqtt' | 'ws' | 'mix';
  /** Of the MQTT devices: all one version, or `mixed` alternating 3.1.1 and 5. */
  mqttVersion?: MqttVersion | 'mixed';
  qos: QoS;
  cleanSession: boolean | undefined;
  profile: ProfileName | 'mix';
  rate: number;
  /** Readings per device; unbounded (until `stopSending`) when undefined. */
  count: number | undefined;
  /** Where MQTT devices connect (required when any device speaks MQTT). */
  mqttUrl: string | undefined;
  /** The API's `/ws/device` URL (required when any device speaks WebSocket). */
  wsUrl: string | undefined;
  tls?: ClientTls;
  seed?: number;
}

/** The fleet's totals at one moment, for the progress line and the summary. */
export interface FleetSnapshot {
  devices: number;
  connected: number;
  readings: number;
  acked: number;
  pending: number;
  messagesSent: number;
  connects: number;
  disconnects: number;
  sessionsResumed: number;
  errors: number;
  commandsAnswered: number;
}

/** Which protocol device `index` speaks: `mix` alternates, MQTT first. */
function protocolOf(plan: Pick<FleetPlan, 'protocol'>, index: number): 'mqtt' | 'ws' {
  if (plan.protocol !== 'mix') return plan.protocol;
  return index % 2 === 0 ? 'mqtt' : 'ws';
}

/** Which MQTT version the `ordinal`-th MQTT device speaks: `mixed` alternates, 3.1.1 first. */
function mqttVersionOf(plan: Pick<FleetPlan, 'mqttVersion'>, ordinal: number): MqttVersion {
  const version = plan.mqttVersion ?? '3.1.1';
  if (version !== 'mixed') return version;
  return ordinal % 2 === 0 ? '3.1.1' : '5';
}

/** Which profile device `index` runs: `mix` cycles thermostat, vehicle, power meter. */
function profileOf(plan: Pick<FleetPlan, 'profile'>, index: number): ProfileName {
  if (plan.profile !== 'mix') return plan.profile;
  return PROFILE_NAMES[index % PROFILE_NAMES.length] ?? 'thermostat';
}

/** A set of virtual devices, each paced by its profile. */
export class Fleet {
  readonly devices: VirtualDevice[];
  private readonly drivers: DeviceDriver[];

  constructor(plan: FleetPlan) {
    const baseSeed = plan.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.devices = [];
    this.drivers = [];
    // Counted over MQTT devices only, so `mixed` splits them evenly under `--protocol mix` too.
    let mqttOrdinal = 0;
    plan.credentials.forEach((credential, index) => {
      const random = seededRandom(baseSeed + index);
      const profile = createProfile(profileOf(plan, index), random);
      const mqttVersion =
        protocolOf(plan, index) === 'mqtt' ? mqttVersionOf(plan, mqttOrdinal++) : '3.1.1';
      const device = createDevice(plan, index, credential, profile.command, random, mqttVersion);
      this.devices.push(device);
      this.drivers.push(
        new DeviceDriver({
          device,
          profile,
          rate: plan.rate,
          ...(plan.count === undefined ? {} : { count: plan.count }),
          startDelayMs: random() * Math.min(1000, 1000 / plan.rate),
        }),
      );
    });
  }

  /** Starts connecting every device; resolves once all are connected or `timeoutMs` passed. */
  async connect(timeoutMs: number): Promise<void> {
    for (const device of this.devices) device.start();
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && this.devices.some((device) => !device.connected)) {
      await sleep(50);
    }
  }

  /** Starts sending; resolves when every device sent its count (never without a count). */
  async send(): Promise<void> {
    await Promise.all(this.drivers.map((driver) => driver.start()));
  }

  stopSending(): void {
    for (const driver of this.drivers) driver.stop();
  }

  /** Waits until no reading is pending (all acked or written) or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.devices.some((device) => device.pending() > 0)) {
      if (Date.now() >= until) return false;
      await sleep(50);
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopSending();
    await Promise.all(this.devices.map((device) => device.stop()));
  }

  snapshot(): FleetSnapshot {
    const snapshot: FleetSnapshot = {
      devices: this.devices.length,
      connected: 0,
      readings: 0,
      acked: 0,
      pending: 0,
      messagesSent: 0,
      connects: 0,
      disconnects: 0,
      sessionsResumed: 0,
      errors: 0,
      commandsAnswered: 0,
    };
    for (const device of this.devices) {
      if (device.connected) snapshot.connected += 1;
      snapshot.readings += device.ledger.taken;
      snapshot.acked += device.ledger.ackedTotal;
      snapshot.pending += device.pending();
      snapshot.messagesSent += device.counters.messagesSent;
      snapshot.connects += device.counters.connects;
      snapshot.disconnects += device.counters.disconnects;
      snapshot.sessionsResumed += device.counters.sessionsResumed;
      snapshot.errors += device.counters.errors;
      snapshot.commandsAnswered += device.counters.commandsAnswered;
    }
    return snapshot;
  }

  /** Distinct last errors with how many devices reported each, most common first. */
  lastErrors(limit = 5): { error: string; devices: number }[] {
    const counts = new Map<string, number>();
    for (const device of this.devices) {
      if (device.lastError !== undefined)
        counts.set(device.lastError, (counts.get(device.lastError) ?? 0) + 1);
    }
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([error, devices]) => ({ error, devices }));
  }
}

function createDevice(
  plan: FleetPlan,
  index: number,
  credential: DeviceCredential,
  onCommand: (name: string, args: Readonly<Record<string, unknown>>) => unknown,
  random: () => number,
  mqttVersion: MqttVersion,
): VirtualDevice {
  const common = {
    deviceId: credential.deviceId,
    secret: credential.secret,
    onCommand,
    backoff: { random },
    ...(plan.tls ? { tls: plan.tls } : {}),
  };
  if (protocolOf(plan, index) === 'ws') {
    if (plan.wsUrl === undefined) throw new Error('no WebSocket device URL for a ws device');
    return new WsDevice({ ...common, url: plan.wsUrl });
  }
  if (plan.mqttUrl === undefined) throw new Error('no MQTT URL for an MQTT device');
  return new MqttDevice({
    ...common,
    url: plan.mqttUrl,
    qos: plan.qos,
    mqttVersion,
    ...(plan.cleanSession === undefined ? {} : { cleanSession: plan.cleanSession }),
  });
}
