// `npm start` as a newcomer runs it: the whole platform comes up, prints where it is and who
// to sign in as, shows simulated devices' readings, stops everything on Ctrl-C (SIGINT), and
// a second start reuses the data. A port in use is named with the variable that moves it.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './lib/paths.ts';

const PORT_VARIABLES = ['MQTT_PORT', 'MQTT_WS_PORT', 'BROKER_HTTP_PORT', 'API_PORT', 'ADMIN_PORT'];
const dataParent = mkdtempSync(join(tmpdir(), 'twinwire-local-'));
// As root, the embedded PostgreSQL runs as the postgres user, which must reach its data.
chmodSync(dataParent, 0o755);
const dataDir = join(dataParent, 'data');

afterAll(() => {
  rmSync(dataParent, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function freePorts(): Promise<Record<string, string>> {
  const entries = await Promise.all(
    PORT_VARIABLES.map(async (name) => [name, String(await freePort())] as const),
  );
  return Object.fromEntries(entries);
}

interface Started {
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * `node infra/local/run.mjs start` (what `npm start` runs), or `npm start` itself with
 * `viaNpm`, until "Twinwire is up" or exit.
 */
function start(
  env: Record<string, string>,
  options: { viaNpm?: boolean } = {},
): Started & { up: Promise<string>; signal(signal: NodeJS.Signals): void } {
  const [command, args] = options.viaNpm
    ? ['npm', ['start']]
    : [process.execPath, [join(repoRoot, 'infra/local/run.mjs'), 'start']];
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: {
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !PORT_VARIABLES.includes(name) && name !== 'DATABASE_URL',
        ),
      ),
      TWINWIRE_DATA_DIR: dataDir,
      FLEET_DEVICES: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const up = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Twinwire is up')) resolve(output);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      reject(new Error(`npm start exited with ${code} before it was up:\n${output}`));
    });
  });
  return {
    up,
    exited,
    output: () => output,
    signal: (signal) => child.kill(signal),
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

interface Credential {
  id: string;
  revokedAt: string | null;
}

/** Every credential of every demo device, by device. */
async function demoCredentials(
  apiUrl: string,
  token: string,
): Promise<Record<string, Credential[]>> {
  const headers = { authorization: `Bearer ${token}` };
  const devices = await fetch(`${apiUrl}/api/v1/devices?limit=100`, { headers });
  const { items } = (await devices.json()) as { items: { id: string }[] };
  const result: Record<string, Credential[]> = {};
  for (const { id } of items.filter((device) => device.id.startsWith('demo'))) {
    const listed = await fetch(`${apiUrl}/api/v1/devices/${id}/credentials`, { headers });
    result[id] = ((await listed.json()) as { items: Credential[] }).items;
  }
  return result;
}

const field = (output: string, label: string) =>
  new RegExp(`${label}\\s+(\\S+)(?: / (\\S+))?`).exec(output);

async function login(apiUrl: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Whether any process still runs from this test's data directory (postgres -D <dir>, …). */
function processesUsing(dir: string): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return command.includes(dir) ? [`${pid}: ${command}`] : [];
      } catch {
        return [];
      }
    });
}

async function portsFree(ports: Record<string, string>): Promise<string[]> {
  const busy: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => {
        resolve(false);
      });
      server.listen(Number(port), '127.0.0.1', () =>
        server.close(() => {
          resolve(true);
        }),
      );
    });
    if (!free) busy.push(`${name} ${port}`);
  }
  return busy;
}

describe('npm start (the local platform)', { timeout: 300_000 }, () => {
  let firstPassword = '';
  let firstCredentials: Record<string, Credential[]> = {};

  it('brings up every app and a fleet, prints URLs and the admin, and Ctrl-C leaves nothing running', async () => {
    const ports = await freePorts();
    const platform = start(ports);
    try {
      const output = await platform.up;
      const admin = field(output, 'sign in as');
      const apiUrl = `http://127.0.0.1:${ports.API_PORT}`;
      expect(output).toContain(`http://127.0.0.1:${ports.ADMIN_PORT}`);
      expect(output).toContain(`mqtt://127.0.0.1:${ports.MQTT_PORT}`);
      expect(admin?.[1]).toBe('admin');
      firstPassword = admin?.[2] ?? '';
      const token = await login(apiUrl, 'admin', firstPassword);

      const page = await fetch(`http://127.0.0.1:${ports.ADMIN_PORT}/`);
      expect(await page.text()).toMatch(/<div id="root">/);
      // The admin's snippets show the ports this start really uses.
      const config = await fetch(`http://127.0.0.1:${ports.ADMIN_PORT}/config.json`);
      expect(await config.json()).toEqual({
        apiBaseUrl: apiUrl,
        mqttUrl: `mqtt://127.0.0.1:${ports.MQTT_PORT}`,
        mqttWsUrl: `ws://127.0.0.1:${ports.MQTT_WS_PORT}/mqtt`,
        deviceWsUrl: `ws://127.0.0.1:${ports.API_PORT}/ws/device`,
      });
      expect((await fetch(`http://127.0.0.1:${ports.BROKER_HTTP_PORT}/readyz`)).status).toBe(200);

      // The fleet's readings land in the database: the newest reading of a demo device.
      await expect
        .poll(
          async () => {
            const devices = await fetch(`${apiUrl}/api/v1/devices?limit=100`, {
              headers: { authorization: `Bearer ${token}` },
            });
            const { items } = (await devices.json()) as {
              items: { id: string; lastSeenAt: string | null }[];
            };
            return items.filter((device) => device.id.startsWith('demo') && device.lastSeenAt)
              .length;
          },
          { timeout: 60_000, interval: 1_000 },
        )
        .toBe(2);
      firstCredentials = await demoCredentials(apiUrl, token);
      expect(Object.values(firstCredentials).map((credentials) => credentials.length)).toEqual([
        1, 1,
      ]);
    } finally {
      expect(await platform.stop()).toBe(0);
    }
    expect(platform.output()).toContain('twinwire: stopped');
    expect(processesUsing(dataDir)).toEqual([]);
    expect(await portsFree(ports)).toEqual([]);
  });

  it('a second start reuses the data: same admin password, the same devices and credentials', async () => {
    const ports = await freePorts();
    const platform = start(ports);
    try {
      const output = await platform.up;
      expect(field(output, 'sign in as')?.[2]).toBe(firstPassword);
      expect(output).not.toContain('(new;');
      const token = await login(`http://127.0.0.1:${ports.API_PORT}`, 'admin', firstPassword);
      const devices = await fetch(`http://127.0.0.1:${ports.API_PORT}/api/v1/devices?limit=100`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { items } = (await devices.json()) as { items: { id: string }[] };
      expect(items.filter((device) => device.id.startsWith('demo'))).toHaveLength(2);
      // Nothing new issued, nothing it still uses revoked.
      expect(await demoCredentials(`http://127.0.0.1:${ports.API_PORT}`, token)).toEqual(
        firstCredentials,
      );
      const kept = JSON.parse(readFileSync(join(dataDir, 'local-secrets.json'), 'utf8')) as {
        demoDevices: { credentialId: string }[];
      };
      expect(kept.demoDevices.map((entry) => entry.credentialId)).toEqual(
        Object.values(firstCredentials).map((credentials) => credentials[0]?.id),
      );
    } finally {
      expect(await platform.stop()).toBe(0);
    }
  });

  it('SIGTERM to npm start (a process manager, a closed terminal) stops the whole platform', async () => {
    const ports = await freePorts();
    const platform = start({ ...ports, FLEET_DEVICES: '0' }, { viaNpm: true });
    await platform.up;
    // npm and its shell die without passing the signal on; the platform must notice.
    platform.signal('SIGTERM');
    await platform.exited;
    await expect
      .poll(() => processesUsing(dataDir), { timeout: 60_000, interval: 500 })
      .toEqual([]);
    await expect.poll(() => portsFree(ports), { timeout: 30_000, interval: 500 }).toEqual([]);
  });

  it('SIGHUP (the terminal closed) stops the whole platform too', async () => {
    const ports = await freePorts();
    const platform = start({ ...ports, FLEET_DEVICES: '0' });
    await platform.up;
    platform.signal('SIGHUP');
    expect(await platform.exited).toBe(0);
    expect(platform.output()).toContain('twinwire: stopped');
    expect(processesUsing(dataDir)).toEqual([]);
    expect(await portsFree(ports)).toEqual([]);
  });

  it('names a port that is already in use and the variable that moves it, starting nothing', async () => {
    const ports = await freePorts();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) =>
      squatter.listen(Number(ports.API_PORT), '127.0.0.1', resolve),
    );
    try {
      const platform = start(ports);
      platform.up.catch(() => undefined);
      expect(await platform.exited).toBe(1);
      expect(platform.output()).toContain(
        `API_PORT ${ports.API_PORT} (REST and WebSocket API) is already in use`,
      );
      expect(processesUsing(dataDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
