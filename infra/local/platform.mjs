#!/usr/bin/env node
// `node infra/local/platform.mjs start|dev`: the whole Twinwire on this machine — embedded
// PostgreSQL (or DATABASE_URL), broker, API, admin UI and a small simulated fleet — each its
// own process, on loopback. `start` runs the production builds (run.mjs builds them first),
// `dev` runs the sources in watch mode. Ctrl-C stops everything, the database last.
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { loadLocalSecrets } from './local-secrets.mjs';
import { portsInUse } from './ports.mjs';
import { provideDemoCredentials } from './demo-devices.mjs';
import { databaseReady, ManagedProcess, waitUntilReady, watchParent } from './processes.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mode = process.argv[2];
if (mode !== 'start' && mode !== 'dev') {
  console.error('usage: node infra/local/platform.mjs start|dev');
  process.exit(2);
}

const env = process.env;
const host = '127.0.0.1';
const port = (variable, fallback) => {
  const value =
    env[variable] === undefined || env[variable] === '' ? fallback : Number(env[variable]);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    console.error(`${variable} must be a port number (1-65535), got "${env[variable]}"`);
    process.exit(1);
  }
  return value;
};
const ports = {
  mqtt: port('MQTT_PORT', 1883),
  mqttWs: port('MQTT_WS_PORT', 8083),
  brokerHttp: port('BROKER_HTTP_PORT', 9464),
  api: port('API_PORT', 3000),
  admin: port('ADMIN_PORT', 5173),
};
const fleetDevices = Number(env.FLEET_DEVICES ?? 5);
const dataDir = env.TWINWIRE_DATA_DIR || join(root, '.data');
const logDir = join(dataDir, 'logs');
const urls = {
  admin: `http://${host}:${ports.admin}`,
  api: `http://${host}:${ports.api}`,
  mqtt: `mqtt://${host}:${ports.mqtt}`,
  mqttWs: `ws://${host}:${ports.mqttWs}/mqtt`,
  deviceWs: `ws://${host}:${ports.api}/ws/device`,
  brokerHttp: `http://${host}:${ports.brokerHttp}`,
};

const problems = await portsInUse(
  [
    { variable: 'MQTT_PORT', port: ports.mqtt, what: 'MQTT over TCP' },
    { variable: 'MQTT_WS_PORT', port: ports.mqttWs, what: 'MQTT over WebSocket' },
    { variable: 'BROKER_HTTP_PORT', port: ports.brokerHttp, what: 'broker health and metrics' },
    { variable: 'API_PORT', port: ports.api, what: 'REST and WebSocket API' },
    { variable: 'ADMIN_PORT', port: ports.admin, what: 'admin UI' },
  ],
  host,
);
if (problems.length > 0) {
  for (const problem of problems) console.error(`twinwire: ${problem}`);
  process.exit(1);
}

const secretsFile = join(dataDir, 'local-secrets.json');
const secrets = loadLocalSecrets(secretsFile);
const started = [];
let shuttingDown = false;

const appDir = (name) => join(root, 'apps', name);
/** A path as the user would type it from the checkout: relative inside it, absolute outside. */
const shown = (path) => (path.startsWith(`${root}/`) ? relative(root, path) : path);
const resolveIn = (dir, specifier) => createRequire(join(dir, 'package.json')).resolve(specifier);
const node = (args, dir) => [process.execPath, args, dir];
const tsx = (dir, file) =>
  mode === 'dev'
    ? node([resolveIn(dir, 'tsx/cli'), 'watch', '--clear-screen=false', file], dir)
    : node(['--import', 'tsx', file], dir);

function launch(name, [command, args, cwd], extraEnv) {
  const managed = new ManagedProcess(name, command, args, {
    cwd,
    logDir,
    env: { ...env, ...extraEnv },
  });
  started.push(managed);
  void managed.exited.then(({ code, signal }) => {
    if (shuttingDown || managed.stopping) return;
    console.error(
      `twinwire: ${name} exited (${signal ?? `code ${code}`}); last output:\n${managed.lastLines.join('\n')}\nstopping the rest.`,
    );
    void shutdown(1);
  });
  return managed;
}

async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(
    `\ntwinwire: stopping ${[...started]
      .reverse()
      .map((managed) => managed.name)
      .join(', ')}…`,
  );
  // Newest first: the fleet before the API, the broker before the database it flushes into.
  for (const managed of [...started].reverse()) await managed.stop();
  console.log('twinwire: stopped');
  process.exit(code);
}

// Ctrl-C reaches us twice at once (from the terminal, and relayed by npm or run.mjs): only a
// second signal a moment later means "stop now".
let firstSignalAt = 0;
// Whoever started us is gone (killed outright): nothing else will stop the platform.
watchParent(() => void shutdown(0));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (firstSignalAt === 0) firstSignalAt = Date.now();
    else if (Date.now() - firstSignalAt > 1_000) {
      console.error('twinwire: forced stop');
      for (const managed of started) managed.signal('SIGKILL', true);
      process.exit(130);
    }
    void shutdown(0);
  });
}

try {
  console.log(
    `twinwire: starting (${mode === 'dev' ? 'watch mode' : 'production builds'}); logs in ${shown(logDir)}/`,
  );
  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    // Run from source but never watched: a restart would cut every app's connections.
    const db = launch(
      'database',
      node(['--import', 'tsx', 'src/cli/serve.ts'], join(root, 'packages', 'db')),
      {
        TWINWIRE_DATA_DIR: join(dataDir, 'postgres'),
      },
    );
    databaseUrl = (await databaseReady(db)).url;
  }

  const shared = {
    DATABASE_URL: databaseUrl,
    SERVICE_SECRET: secrets.serviceSecret,
    LOG_LEVEL: 'info',
  };
  const broker = launch(
    'broker',
    mode === 'dev'
      ? tsx(appDir('broker'), 'src/main.ts')
      : node(['dist/main.js'], appDir('broker')),
    {
      ...shared,
      MQTT_HOST: host,
      MQTT_PORT: String(ports.mqtt),
      MQTT_WS_PORT: String(ports.mqttWs),
      BROKER_HTTP_PORT: String(ports.brokerHttp),
    },
  );
  await waitUntilReady(broker, `${urls.brokerHttp}/readyz`);

  const api = launch(
    'api',
    mode === 'dev' ? tsx(appDir('api'), 'src/main.ts') : node(['dist/main.js'], appDir('api')),
    {
      ...shared,
      API_HOST: host,
      API_PORT: String(ports.api),
      MQTT_URL: urls.mqtt,
      JWT_SECRET: secrets.jwtSecret,
      ADMIN_USERNAME: secrets.adminUsername,
      ADMIN_PASSWORD: secrets.adminPassword,
      CORS_ORIGINS: `${urls.admin},http://localhost:${ports.admin}`,
    },
  );
  await waitUntilReady(api, `${urls.api}/readyz`);

  const adminDir = appDir('admin');
  const vite = join(dirname(resolveIn(adminDir, 'vite/package.json')), 'bin', 'vite.js');
  // The addresses devices are told in the admin's connection snippets: the real ports.
  const runtimeConfig = {
    apiBaseUrl: urls.api,
    mqttUrl: urls.mqtt,
    mqttWsUrl: urls.mqttWs,
    deviceWsUrl: urls.deviceWs,
  };
  // (`dev` serves the checked-in public/config.json, which this does not rewrite: its
  // snippets show the default ports.)
  if (mode === 'start')
    writeFileSync(join(adminDir, 'dist', 'config.json'), `${JSON.stringify(runtimeConfig)}\n`);
  const admin = launch(
    'admin',
    node(
      [
        vite,
        ...(mode === 'dev' ? [] : ['preview']),
        '--host',
        host,
        '--port',
        String(ports.admin),
        '--strictPort',
      ],
      adminDir,
    ),
    { VITE_API_BASE_URL: urls.api },
  );
  await waitUntilReady(admin, urls.admin);

  if (fleetDevices > 0) {
    // Issued once and kept with the admin password: a second start reuses them.
    const demoFile = await provideDemoCredentials({
      apiUrl: urls.api,
      admin: { username: secrets.adminUsername, password: secrets.adminPassword },
      count: fleetDevices,
      prefix: 'demo',
      secretsFile,
      dataDir,
    });
    launch(
      'fleet',
      node(
        [
          '--import',
          'tsx',
          'src/cli.ts',
          'run',
          '--api',
          urls.api,
          '--mqtt',
          urls.mqtt,
          '--devices',
          String(fleetDevices),
          '--protocol',
          'mix',
          '--profile',
          'mix',
          '--rate',
          '1',
          '--duration',
          String(24 * 3600),
          '--credentials',
          demoFile,
          '--no-monitor',
        ],
        appDir('simulator'),
      ),
      { TWINWIRE_USERNAME: secrets.adminUsername, TWINWIRE_PASSWORD: secrets.adminPassword },
    );
  }

  const database = env.DATABASE_URL
    ? 'DATABASE_URL'
    : `embedded PostgreSQL in ${shown(join(dataDir, 'postgres'))}`;
  console.log(`
Twinwire is up${mode === 'dev' ? ' in watch mode' : ''}. Ctrl-C stops everything.

  admin UI     ${urls.admin}
  sign in as   ${secrets.adminUsername} / ${secrets.adminPassword}${secrets.created ? `   (new; kept in ${shown(secretsFile)})` : ''}
  REST API     ${urls.api}/api/v1   (interactive docs: ${urls.api}/docs)
  MQTT         ${urls.mqtt}   over WebSocket: ${urls.mqttWs}
  metrics      ${urls.brokerHttp}/metrics
  database     ${database}
  fleet        ${fleetDevices > 0 ? `${fleetDevices} simulated devices (demo-…) for 24 h; FLEET_DEVICES=0 skips it` : 'off (FLEET_DEVICES=0)'}
`);
} catch (error) {
  console.error(`twinwire: ${error instanceof Error ? error.message : String(error)}`);
  const failed = started.find((managed) => !managed.running && !managed.stopping);
  if (failed) console.error(`last output of ${failed.name}:\n${failed.lastLines.join('\n')}`);
  await shutdown(1);
}
