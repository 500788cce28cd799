import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { SimulatorEnv } from '../config.ts';
import type { ClientTls } from '../devices/virtual-device.ts';
import { startFaultProxy, type FaultProxy } from '../proxy/fault-proxy.ts';
import type { RunOptions } from './run-options.ts';

export interface Targets {
  /** REST origin for provisioning and verification. */
  api: string;
  /** The broker, for MQTT devices and the delivery monitor. */
  mqtt: string | undefined;
  credentials: { username: string; password: string };
  close(): Promise<void>;
}

/** Where the devices themselves connect: straight to the targets, or through fault proxies. */
export interface DeviceRoutes {
  mqttUrl: string | undefined;
  wsUrl: string | undefined;
  tls: ClientTls | undefined;
  proxies: FaultProxy[];
  close(): Promise<void>;
}

/**
 * The Twinwire to run against: the one given (`--api`, `--mqtt`), or with `--local` a whole
 * platform started in this process on free loopback ports (without its per-connection
 * publish rate limit, since the fleet is the point).
 */
export async function resolveTargets(options: RunOptions, env: SimulatorEnv): Promise<Targets> {
  if (!options.local) {
    if (options.api === undefined || options.credentials === undefined)
      throw new Error('--api and credentials are required without --local');
    return {
      api: options.api,
      mqtt: options.mqtt,
      credentials: options.credentials,
      close: () => Promise.resolve(),
    };
  }
  const { startPlatform } = await import('@twinwire/platform/start-platform');
  // A throwaway embedded PostgreSQL (about 1.5 s to create) unless DATABASE_URL is set: a
  // demo neither touches the dev database nor needs its users' passwords.
  const scratch = env.databaseUrl === undefined ? await scratchDirectory() : undefined;
  const removeScratch = async (): Promise<void> => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  };
  let platform;
  try {
    platform = await startPlatform({
      ...(env.databaseUrl === undefined ? {} : { databaseUrl: env.databaseUrl }),
      ...(scratch === undefined ? {} : { dataDir: join(scratch, 'postgres') }),
      brokerEnv: { MQTT_MAX_PUBLISH_RATE: '0' },
    });
  } catch (error) {
    await removeScratch();
    throw error;
  }
  const close = async (): Promise<void> => {
    await platform.close();
    await removeScratch();
  };
  const credentials = options.credentials ?? platform.admin;
  if (!credentials) {
    await close();
    throw new Error(
      'the database at DATABASE_URL already has users, so no admin was created: give --username and --password (or TWINWIRE_USERNAME/TWINWIRE_PASSWORD)',
    );
  }
  return {
    api: platform.urls.api,
    mqtt: options.transport === 'ws' ? platform.urls.mqttWs : platform.urls.mqtt,
    credentials,
    close,
  };
}

async function scratchDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'twinwire-sim-'));
  // Run as root, PostgreSQL runs as the postgres user, which must be able to enter it.
  await chmod(directory, 0o755);
  return directory;
}

/** `http(s)://host:port` → `ws(s)://host:port/ws/device`. */
export function deviceSocketUrl(api: string): string {
  const url = new URL(api);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/ws/device';
  url.search = '';
  return url.toString();
}

const defaultPorts: Record<string, number> = {
  'mqtt:': 1883,
  'mqtts:': 8883,
  'ws:': 80,
  'wss:': 443,
  'http:': 80,
  'https:': 443,
};

/** The TCP endpoint a URL points at. */
export function endpointOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port === '' ? defaultPorts[parsed.protocol] : Number(parsed.port);
  if (port === undefined) throw new Error(`${url}: no port and no default for ${parsed.protocol}`);
  return { host, port };
}

/** The same URL with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: FaultProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

export async function routeDevices(
  options: RunOptions,
  targets: Targets,
  useProxy: boolean,
): Promise<DeviceRoutes> {
  const needsMqtt = options.protocol !== 'ws';
  const needsWs = options.protocol !== 'mqtt';
  let mqttUrl = needsMqtt ? targets.mqtt : undefined;
  let wsUrl = needsWs ? deviceSocketUrl(targets.api) : undefined;
  const tls: ClientTls = {};
  if (options.caFile !== undefined) tls.ca = await readFile(options.caFile);
  if (options.insecure) tls.rejectUnauthorized = false;
  const proxies: FaultProxy[] = [];
  if (useProxy) {
    const proxied = async (url: string | undefined): Promise<string | undefined> => {
      if (url === undefined) return undefined;
      const target = endpointOf(url);
      // Certificates name the server, not the proxy: verify against the original host.
      if (isIP(target.host) === 0) tls.servername = target.host;
      const proxy = await startFaultProxy({ target, faults: options.faults });
      proxies.push(proxy);
      return throughProxy(url, proxy);
    };
    mqttUrl = await proxied(mqttUrl);
    wsUrl = await proxied(wsUrl);
  }
  return {
    mqttUrl,
    wsUrl,
    tls: Object.keys(tls).length > 0 ? tls : undefined,
    proxies,
    close: async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()));
    },
  };
}
