import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminContainerEnv } from '../src/deployment.ts';
import { infraDir } from './lib/paths.ts';

const script = join(infraDir, 'docker/admin/40-twinwire-config.sh');
const nginxConf = join(infraDir, 'docker/admin/nginx.conf');

function writeConfig(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'twinwire-admin-'));
  const out = join(dir, 'twinwire/config.json');
  const result = spawnSync('sh', [script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TWINWIRE_CONFIG_JSON: out, ...env },
    encoding: 'utf8',
  });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    json = undefined;
  }
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, json };
}

describe('admin entrypoint (40-twinwire-config.sh)', () => {
  it('writes config.json from API_BASE_URL, without a trailing slash', () => {
    const { status, json } = writeConfig({ API_BASE_URL: 'https://api.example.com/' });
    expect(status).toBe(0);
    expect(json).toEqual({ apiBaseUrl: 'https://api.example.com' });
  });

  it('adds mqttUrl when MQTT_PUBLIC_URL is set', () => {
    const { json } = writeConfig({
      API_BASE_URL: 'http://localhost:3000',
      MQTT_PUBLIC_URL: 'mqtts://mqtt.example.com:8883',
    });
    expect(json).toEqual({
      apiBaseUrl: 'http://localhost:3000',
      mqttUrl: 'mqtts://mqtt.example.com:8883',
    });
  });

  it('adds the MQTT-over-WebSocket and device WebSocket URLs the snippets show', () => {
    const { status, json } = writeConfig({
      API_BASE_URL: 'https://api.example.com',
      MQTT_PUBLIC_URL: 'mqtt://mqtt.example.com:11883',
      MQTT_WS_PUBLIC_URL: 'wss://mqtt.example.com/mqtt',
      DEVICE_WS_PUBLIC_URL: 'wss://api.example.com/ws/device',
    });
    expect(status).toBe(0);
    expect(json).toEqual({
      apiBaseUrl: 'https://api.example.com',
      mqttUrl: 'mqtt://mqtt.example.com:11883',
      mqttWsUrl: 'wss://mqtt.example.com/mqtt',
      deviceWsUrl: 'wss://api.example.com/ws/device',
    });
  });

  it('reads exactly the variables the documented schema lists', () => {
    const read = new Set(
      [...readFileSync(script, 'utf8').matchAll(/\$\{([A-Z_]+):-/g)].map((match) => match[1]),
    );
    read.delete('TWINWIRE_CONFIG_JSON'); // where to write: the tests' hook, not configuration
    expect([...read].sort()).toEqual(Object.keys(AdminContainerEnv.properties).sort());
  });

  it.each([
    [{}, /API_BASE_URL must be/],
    [{ API_BASE_URL: 'api.example.com' }, /API_BASE_URL must be/],
    [{ API_BASE_URL: 'https://x.example/"}' }, /API_BASE_URL contains/],
    [{ API_BASE_URL: 'https://api.example.com', MQTT_PUBLIC_URL: 'tcp://x' }, /MQTT_PUBLIC_URL/],
    [
      { API_BASE_URL: 'https://api.example.com', MQTT_WS_PUBLIC_URL: 'http://x/mqtt' },
      /MQTT_WS_PUBLIC_URL must be a ws/,
    ],
    [
      { API_BASE_URL: 'https://api.example.com', DEVICE_WS_PUBLIC_URL: 'wss://x/"' },
      /DEVICE_WS_PUBLIC_URL contains/,
    ],
  ])('refuses to start with %j', (env, message) => {
    const { status, stderr, json } = writeConfig(env);
    expect(status).toBe(1);
    expect(stderr).toMatch(message);
    expect(json).toBeUndefined();
  });

  it('accepts what the schema accepts, and the schema refuses what it refuses', () => {
    expect(Value.Check(AdminContainerEnv, { API_BASE_URL: 'https://api.example.com' })).toBe(true);
    expect(Value.Check(AdminContainerEnv, { API_BASE_URL: 'api.example.com' })).toBe(false);
  });
});

describe('admin nginx.conf (static)', () => {
  const conf = readFileSync(nginxConf, 'utf8');

  it('listens on the exposed port and serves the SPA with fallback to index.html', () => {
    expect(conf).toMatch(/listen 8080;/);
    expect(conf).toMatch(/try_files \$uri \/index\.html;/);
  });

  it('serves config.json from where the entrypoint writes it', () => {
    const written = /TWINWIRE_CONFIG_JSON:-([^}]+)\}/.exec(readFileSync(script, 'utf8'))?.[1];
    expect(written).toBe('/tmp/twinwire/config.json');
    expect(conf).toContain(`root ${dirname(written ?? '')};`);
  });
});

const nginx = spawnSync('nginx', ['-V'], { encoding: 'utf8' });
const nginxMissing = nginx.error !== undefined;
const confPath = /--conf-path=(\S+)/.exec(nginx.stderr)?.[1] ?? '/etc/nginx/nginx.conf';

describe.skipIf(nginxMissing)(
  'admin nginx.conf served by a real nginx (skipped without nginx)',
  () => {
    let dir: string;
    let server: ChildProcess | undefined;
    let base: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'twinwire-nginx-'));
      chmodSync(dir, 0o755);
      const html = join(dir, 'html');
      mkdirSync(join(html, 'assets'), { recursive: true });
      writeFileSync(join(html, 'index.html'), '<!doctype html><title>twinwire</title>');
      writeFileSync(join(html, 'assets/index-abc123.js'), 'console.log(1)');
      const configJson = join(dir, 'runtime/config.json');
      const written = spawnSync('sh', [script], {
        env: {
          ...process.env,
          API_BASE_URL: 'https://api.example.com',
          TWINWIRE_CONFIG_JSON: configJson,
        },
      });
      expect(written.status).toBe(0);
      for (const path of [html, join(html, 'assets'), join(dir, 'runtime')]) chmodSync(path, 0o755);

      const port = await freePort();
      // The shipped server block, moved to this test's port and directories.
      const replacements: [string, string][] = [
        ['listen 8080;', `listen 127.0.0.1:${port};`],
        ['root /usr/share/nginx/html;', `root ${html};`],
        ['root /tmp/twinwire;', `root ${join(dir, 'runtime')};`],
      ];
      let server_block = readFileSync(nginxConf, 'utf8');
      for (const [from, to] of replacements) {
        expect(server_block).toContain(from);
        server_block = server_block.replace(from, to);
      }
      writeFileSync(
        join(dir, 'nginx.conf'),
        `daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events {}
http {
  include ${join(dirname(confPath), 'mime.types')};
  access_log off;
  client_body_temp_path ${dir}/client_temp;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  ${server_block}
}
`,
      );
      const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], {
        encoding: 'utf8',
      });
      expect(check.status, check.stderr).toBe(0);
      server = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
      base = `http://127.0.0.1:${port}`;
      for (let attempt = 0; ; attempt++) {
        try {
          await fetch(`${base}/healthz`);
          break;
        } catch (error) {
          if (attempt > 100) throw error;
          await sleep(50);
        }
      }
    });

    afterAll(async () => {
      if (server?.pid) {
        process.kill(server.pid, 'SIGTERM');
        await new Promise((resolve) => server?.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    });

    const get = async (path: string) => {
      const response = await fetch(`${base}${path}`);
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        cache: response.headers.get('cache-control') ?? '',
        body: await response.text(),
      };
    };

    it('answers /healthz', async () => {
      expect((await get('/healthz')).status).toBe(200);
    });

    it.each(['/', '/index.html', '/devices/42', '/rules?x=1'])(
      'serves index.html, never cached, at %s',
      async (path) => {
        const response = await get(path);
        expect(response.status).toBe(200);
        expect(response.type).toMatch(/text\/html/);
        expect(response.body).toContain('<title>twinwire</title>');
        expect(response.cache).toBe('no-cache');
      },
    );

    it.each(['/assets/index-abc123.js', '/devices/assets/index-abc123.js'])(
      'serves the hashed asset %s for a year',
      async (path) => {
        const response = await get(path);
        expect(response.status).toBe(200);
        expect(response.type).toMatch(/javascript/);
        expect(response.cache).toBe('public, max-age=31536000, immutable');
      },
    );

    it('answers a missing asset with 404, not the SPA', async () => {
      expect((await get('/assets/missing-000.js')).status).toBe(404);
    });

    it.each(['/config.json', '/devices/config.json'])(
      'serves the written config at %s, never cached',
      async (path) => {
        const response = await get(path);
        expect(response.status).toBe(200);
        expect(response.type).toMatch(/application\/json/);
        expect(response.cache).toBe('no-cache');
        expect(JSON.parse(response.body)).toEqual({ apiBaseUrl: 'https://api.example.com' });
      },
    );
  },
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
}
