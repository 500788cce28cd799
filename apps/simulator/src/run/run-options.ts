import type { SimulatorEnv } from '../config.ts';
import { PROFILE_NAMES, type ProfileName } from '../profiles/profile.ts';
import { NO_FAULTS, type FaultSettings } from '../proxy/fault-proxy.ts';
import type { QoS } from '../verify/accounting.ts';

type ProtocolChoice = 'mqtt' | 'ws' | 'mix';
/** `mixed`: MQTT devices alternate 3.1.1 and 5, 3.1.1 first. */
type MqttVersionChoice = '3.1.1' | '5' | 'mixed';
const MQTT_VERSION_CHOICES = ['3.1.1', '5', 'mixed'] as const;
type Transport = 'tcp' | 'tls' | 'ws';

/** `twinwire-sim run`, validated. */
export interface RunOptions {
  /** REST origin; undefined only with `local`. */
  api: string | undefined;
  /** Broker URL; undefined with `local` or when no device speaks MQTT. */
  mqtt: string | undefined;
  local: boolean;
  credentials: { username: string; password: string } | undefined;
  devices: number | undefined;
  protocol: ProtocolChoice;
  mqttVersion: MqttVersionChoice;
  transport: Transport;
  qos: QoS;
  profile: ProfileName | 'mix';
  rate: number;
  durationS: number | undefined;
  count: number | undefined;
  prefix: string;
  credentialsFile: string | undefined;
  saveCredentials: string | undefined;
  faults: FaultSettings;
  outage: { atS: number; forS: number } | undefined;
  json: boolean;
  cleanSession: boolean | undefined;
  insecure: boolean;
  caFile: string | undefined;
  drainTimeoutS: number;
  monitor: boolean;
  seed: number | undefined;
}

/** The flags as commander hands them over: strings, or booleans for switches. */
export interface RawRunFlags {
  api?: string;
  mqtt?: string;
  local?: boolean;
  username?: string;
  password?: string;
  devices?: string;
  protocol?: string;
  mqttVersion?: string;
  transport?: string;
  qos?: string;
  profile?: string;
  rate?: string;
  duration?: string;
  count?: string;
  prefix?: string;
  credentials?: string;
  saveCredentials?: string;
  latency?: string;
  jitter?: string;
  bandwidth?: string;
  dropsPerMinute?: string;
  outageAt?: string;
  outageFor?: string;
  json?: boolean;
  cleanSession?: string;
  insecure?: boolean;
  ca?: string;
  drainTimeout?: string;
  monitor?: boolean;
  seed?: string;
}

/** A flag with a bad value or a bad combination: the message names the flag. */
export class RunOptionsError extends Error {
  override readonly name = 'RunOptionsError';
}

const DEFAULT_DURATION_S = 10;

export function parseRunOptions(flags: RawRunFlags, env: SimulatorEnv): RunOptions {
  const local = flags.local === true;
  const protocol = oneOf('--protocol', flags.protocol ?? 'mqtt', ['mqtt', 'ws', 'mix'] as const);
  const mqttVersion = oneOf('--mqtt-version', flags.mqttVersion ?? '3.1.1', MQTT_VERSION_CHOICES);
  if (protocol === 'ws' && flags.mqttVersion !== undefined)
    throw new RunOptionsError(
      `--mqtt-version ${flags.mqttVersion} applies to MQTT devices, and --protocol ws has none`,
    );
  const profile = oneOf('--profile', flags.profile ?? 'mix', [...PROFILE_NAMES, 'mix'] as const);
  const qos = Number(oneOf('--qos', flags.qos ?? '1', ['0', '1', '2'] as const)) as QoS;
  const api = flags.api === undefined ? undefined : httpUrl('--api', flags.api);
  if (!local && api === undefined)
    throw new RunOptionsError('--api <url> is required (or --local to start a Twinwire here)');
  if (local && (flags.api !== undefined || flags.mqtt !== undefined))
    throw new RunOptionsError('--local starts its own Twinwire: leave out --api and --mqtt');

  const mqtt = flags.mqtt === undefined ? undefined : mqttUrl(flags.mqtt);
  const transport = resolveTransport(flags.transport, mqtt);
  if (!local && protocol !== 'ws' && mqtt === undefined)
    throw new RunOptionsError(`--mqtt <url> is required with --protocol ${protocol}`);
  if (local && transport === 'tls')
    throw new RunOptionsError(
      '--local serves MQTT over tcp and ws only; for TLS give --api and --mqtt mqtts://…',
    );

  const durationS = optional(flags.duration, (v) => positive('--duration', v, 86_400));
  const count = optional(flags.count, (v) => integer('--count', v, 1, 10_000_000));
  const outageAt = optional(flags.outageAt, (v) => nonNegative('--outage-at', v, 86_400));
  const outageFor = optional(flags.outageFor, (v) => positive('--outage-for', v, 86_400));
  if ((outageAt === undefined) !== (outageFor === undefined))
    throw new RunOptionsError('--outage-at and --outage-for go together');
  const finalDuration = durationS ?? (count === undefined ? DEFAULT_DURATION_S : undefined);
  if (outageAt !== undefined && finalDuration !== undefined && outageAt >= finalDuration)
    throw new RunOptionsError(
      `--outage-at ${outageAt} must be before the end of the run (--duration ${finalDuration})`,
    );

  const username = flags.username ?? env.username;
  const password = flags.password ?? env.password;
  if ((username === undefined) !== (password === undefined))
    throw new RunOptionsError(
      'give both --username and --password (or TWINWIRE_USERNAME and TWINWIRE_PASSWORD)',
    );
  if (!local && username === undefined)
    throw new RunOptionsError(
      '--username and --password (or TWINWIRE_USERNAME/TWINWIRE_PASSWORD) are required: the simulator provisions devices and verifies what was stored through the API',
    );

  const prefix = flags.prefix ?? 'sim';
  if (!/^[A-Za-z0-9_.:-]{1,50}$/.test(prefix))
    throw new RunOptionsError('--prefix: 1-50 characters of A-Z a-z 0-9 _ . : -');

  return {
    api,
    mqtt,
    local,
    credentials:
      username !== undefined && password !== undefined ? { username, password } : undefined,
    devices: optional(flags.devices, (v) => integer('--devices', v, 1, 100_000)),
    protocol,
    mqttVersion,
    transport,
    qos,
    profile,
    rate: optional(flags.rate, (v) => positive('--rate', v, 10_000)) ?? 1,
    durationS: finalDuration,
    count,
    prefix,
    credentialsFile: flags.credentials,
    saveCredentials: flags.saveCredentials,
    faults: {
      latencyMs:
        optional(flags.latency, (v) => nonNegative('--latency', v, 60_000)) ?? NO_FAULTS.latencyMs,
      jitterMs:
        optional(flags.jitter, (v) => nonNegative('--jitter', v, 60_000)) ?? NO_FAULTS.jitterMs,
      bandwidthBytesPerSecond: optional(flags.bandwidth, bandwidth) ?? null,
      dropsPerMinute:
        optional(flags.dropsPerMinute, (v) => nonNegative('--drops-per-minute', v, 100_000)) ?? 0,
    },
    outage:
      outageAt !== undefined && outageFor !== undefined
        ? { atS: outageAt, forS: outageFor }
        : undefined,
    json: flags.json === true,
    cleanSession: optional(flags.cleanSession, (v) => boolean('--clean-session', v)),
    insecure: flags.insecure === true,
    caFile: flags.ca,
    drainTimeoutS:
      optional(flags.drainTimeout, (v) => nonNegative('--drain-timeout', v, 3_600)) ?? 30,
    monitor: flags.monitor !== false,
    seed: optional(flags.seed, (v) => integer('--seed', v, 0, 2 ** 32 - 1)),
  };
}

/** Whether any fault is asked for, so device traffic goes through the fault proxy. */
export function wantsFaultProxy(options: RunOptions): boolean {
  const { faults } = options;
  return (
    options.outage !== undefined ||
    faults.latencyMs > 0 ||
    faults.jitterMs > 0 ||
    faults.bandwidthBytesPerSecond !== null ||
    faults.dropsPerMinute > 0
  );
}

function resolveTransport(flag: string | undefined, mqtt: string | undefined): Transport {
  const chosen =
    flag === undefined ? undefined : oneOf('--transport', flag, ['tcp', 'tls', 'ws'] as const);
  if (mqtt === undefined) return chosen ?? 'tcp';
  const scheme = new URL(mqtt).protocol;
  const implied: Transport = scheme === 'mqtt:' ? 'tcp' : scheme === 'mqtts:' ? 'tls' : 'ws';
  if (chosen !== undefined && chosen !== implied)
    throw new RunOptionsError(`--transport ${chosen} contradicts --mqtt ${mqtt} (${implied})`);
  return implied;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new RunOptionsError(`${flag} ${value}: use one of ${allowed.join(', ')}`);
}

function optional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function number(flag: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed))
    throw new RunOptionsError(`${flag} ${value}: not a number`);
  return parsed;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const parsed = number(flag, value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    throw new RunOptionsError(`${flag} ${value}: use a whole number from ${min} to ${max}`);
  return parsed;
}

function positive(flag: string, value: string, max: number): number {
  const parsed = number(flag, value);
  if (parsed <= 0 || parsed > max)
    throw new RunOptionsError(`${flag} ${value}: use a number above 0 and at most ${max}`);
  return parsed;
}

function nonNegative(flag: string, value: string, max: number): number {
  const parsed = number(flag, value);
  if (parsed < 0 || parsed > max)
    throw new RunOptionsError(`${flag} ${value}: use a number from 0 to ${max}`);
  return parsed;
}

function boolean(flag: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new RunOptionsError(`${flag} ${value}: use true or false`);
}

/** Bytes per second, with an optional k or m suffix (×1000, ×1 000 000). */
export function bandwidth(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value.trim());
  const scale = match?.[2]?.toLowerCase() === 'm' ? 1e6 : match?.[2] ? 1e3 : 1;
  const bytes = match ? Number(match[1]) * scale : Number.NaN;
  if (!(bytes >= 100))
    throw new RunOptionsError(
      `--bandwidth ${value}: bytes per second, at least 100, e.g. 50000, 64k or 1m`,
    );
  return bytes;
}

function httpUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RunOptionsError(`${flag} ${value}: not a URL; e.g. http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RunOptionsError(`${flag} ${value}: use http:// or https://`);
  return value;
}

function mqttUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RunOptionsError(`--mqtt ${value}: not a URL; e.g. mqtt://localhost:1883`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol))
    throw new RunOptionsError(
      `--mqtt ${value}: use mqtt:// (tcp), mqtts:// (tls) or ws(s)://host:port/mqtt (websocket)`,
    );
  return value;
}
