/**
 * The Twinwire the lab measures: one it starts itself (the platform in a child process on
 * free loopback ports, with the lab's TLS certificate, so its CPU and memory are its own),
 * or a running one given by URL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { platformMainPath, tsxLoaderUrl } from './node-child.ts';

export const FIXTURES = {
  cert: fileURLToPath(new URL('./fixtures/server.pem', import.meta.url)),
  key: fileURLToPath(new URL('./fixtures/server-key.pem', import.meta.url)),
  ca: fileURLToPath(new URL('./fixtures/ca.pem', import.meta.url)),
};

interface TargetUrls {
  api: string;
  mqtt: string;
  mqttWs: string | undefined;
  mqtts: string | undefined;
}

export interface LabTarget {
  mode: 'local' | 'remote';
  urls: TargetUrls;
  admin: { username: string; password: string };
  /** MQTT credentials for the lab's own (non-device) clients; none: anonymous. */
  mqttAuth: { username?: string; password?: string };
  /** The process serving broker and API, when the lab started it. */
  pid: number | undefined;
  close(): Promise<void>;
}

export interface RemoteOptions {
  api: string;
  mqtt: string;
  mqttWs?: string | undefined;
  mqtts?: string | undefined;
  username: string;
  password: string;
}

export function remoteTarget(options: RemoteOptions): LabTarget {
  const auth = { username: options.username, password: options.password };
  return {
    mode: 'remote',
    urls: { api: options.api, mqtt: options.mqtt, mqttWs: options.mqttWs, mqtts: options.mqtts },
    admin: auth,
    // A remote broker need not allow anonymous clients: the lab signs in as the admin.
    mqttAuth: auth,
    pid: undefined,
    close: () => Promise.resolve(),
  };
}

interface PlatformLine {
  urls: { api: string; mqtt: string; mqttWs: string; mqtts?: string };
  admin: { username: string; password: string } | null;
  pid: number;
}

/**
 * Starts `twinwire-platform` in a child process: anonymous MQTT allowed (the lab's load
 * clients would otherwise cost one scrypt verification per connection), no per-connection
 * publish rate limit, MQTT over TLS with the lab certificate. Without `databaseUrl`, an
 * embedded PostgreSQL in a temporary directory that is removed afterwards.
 */
export async function startLocalTarget(options: {
  databaseUrl?: string | undefined;
  startTimeoutMs?: number;
}): Promise<LabTarget> {
  const dataDir = options.databaseUrl
    ? undefined
    : mkdtempSync(path.join(tmpdir(), 'twinwire-lab-'));
  const args = [
    '--import',
    tsxLoaderUrl(),
    platformMainPath(),
    '--no-rate-limit',
    '--allow-anonymous',
    '--tls-cert',
    FIXTURES.cert,
    '--tls-key',
    FIXTURES.key,
    ...(options.databaseUrl
      ? ['--database-url', options.databaseUrl]
      : ['--data-dir', dataDir ?? '']),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const removeDataDir = () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let line: PlatformLine;
  try {
    line = await new Promise<PlatformLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('the local Twinwire did not start within the time allowed'));
      }, options.startTimeoutMs ?? 180_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the local Twinwire exited with ${code} before it listened`));
      });
      createInterface({ input: child.stdout }).once('line', (text) => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(text) as PlatformLine);
        } catch {
          reject(new Error(`unexpected output from the platform: ${text}`));
        }
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    removeDataDir();
    throw error;
  }
  if (!line.admin) {
    child.kill('SIGTERM');
    removeDataDir();
    throw new Error('the database already has users: give the lab an empty database');
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  return {
    mode: 'local',
    urls: {
      api: line.urls.api,
      mqtt: line.urls.mqtt,
      mqttWs: line.urls.mqttWs,
      mqtts: line.urls.mqtts,
    },
    admin: line.admin,
    mqttAuth: {},
    pid: line.pid,
    async close() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      removeDataDir();
    },
  };
}
