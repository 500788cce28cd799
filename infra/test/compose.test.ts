import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readEnv } from '@twinwire/config/read-env';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { deployedApps, migrateCommand, type AppName } from '../src/deployment.ts';
import { interpolateDeep, MissingVariableError, requiredVariables } from './lib/compose-env.ts';
import { parseEnvFile } from './lib/kustomize.ts';
import { infraDir, repoRoot } from './lib/paths.ts';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  stop_grace_period?: string;
}

const composeDir = join(infraDir, 'compose');
const composeFile = join(composeDir, 'compose.yaml');
const text = readFileSync(composeFile, 'utf8');
const raw = parse(text, { merge: true }) as { services: Record<string, Service> };

/** The secrets compose demands, with values like the ones `.env.example` asks for. */
const secrets = {
  POSTGRES_PASSWORD: 'p0stgres-test-password',
  SERVICE_SECRET: 'service-secret-for-tests',
  JWT_SECRET: 'jwt-secret-for-tests-0123456789abcdef',
  ADMIN_PASSWORD: 'admin-password-for-tests',
};
const services = interpolateDeep(raw, secrets).services;

/** Which app each service runs, and so which schema its environment must satisfy. */
const appOf: Record<string, AppName> = {
  'broker-1': 'broker',
  'broker-2': 'broker',
  api: 'api',
  migrate: 'api',
  admin: 'admin',
};
const appServices = Object.keys(appOf);
const longRunning = ['broker-1', 'broker-2', 'api', 'admin'];

const env = (name: string) => services[name]?.environment ?? {};

describe('compose.yaml', () => {
  it('runs PostgreSQL, Redis, the migration, two brokers, the API and the admin UI', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['admin', 'api', 'broker-1', 'broker-2', 'migrate', 'postgres', 'redis'].sort(),
    );
  });

  it.each(appServices)('%s runs the image infra/docker builds', (name) => {
    const app = deployedApps[appOf[name]!];
    expect(services[name]?.image).toBe(`${app.image}:latest`);
    const build = raw.services[name]?.build;
    if (build) {
      expect(resolve(composeDir, build.context)).toBe(resolve(repoRoot));
      expect(build.dockerfile).toBe(`infra/${app.dockerfile}`);
    }
  });

  it('builds each image once (the other services reuse it)', () => {
    const built = Object.values(raw.services).flatMap((service) =>
      service.build ? [service.build.dockerfile] : [],
    );
    expect(built.sort()).toEqual(
      Object.values(deployedApps)
        .map((app) => `infra/${app.dockerfile}`)
        .sort(),
    );
  });

  it.each(appServices)('%s sets only variables its app reads, with values it accepts', (name) => {
    const { schema } = deployedApps[appOf[name]!];
    const known = Object.keys(schema.properties);
    expect(Object.keys(env(name)).filter((key) => !known.includes(key))).toEqual([]);
    expect(() => readEnv(schema, env(name))).not.toThrow();
  });

  it.each(appServices)('%s gets every secret from the environment, none written here', (name) => {
    const app = deployedApps[appOf[name]!];
    for (const key of app.secrets) {
      const value = raw.services[name]?.environment?.[key];
      if (value === undefined) continue;
      // A secret is either demanded from the environment (${VAR:?…}) or, like the
      // compose-internal Redis URL, a URL that carries no credential.
      if (requiredVariables(value).length > 0) continue;
      expect(new URL(value).password, `${name} ${key}`).toBe('');
    }
  });

  it('refuses to start while a secret is missing, naming it', () => {
    for (const missing of Object.keys(secrets)) {
      const partial = Object.fromEntries(
        Object.entries(secrets).filter(([key]) => key !== missing),
      );
      expect(() => interpolateDeep(raw, partial)).toThrow(MissingVariableError);
      expect(() => interpolateDeep(raw, { ...partial, [missing]: '' })).toThrow(
        new RegExp(`\\b${missing}\\b`),
      );
    }
  });

  it('.env.example lists every variable compose demands', () => {
    const required = new Set(requiredVariables(text));
    const example = parseEnvFile(readFileSync(join(composeDir, '.env.example'), 'utf8'));
    expect([...required].sort()).toEqual(Object.keys(secrets).sort());
    for (const name of required) expect(example).toHaveProperty(name, '');
  });

  it.each(longRunning)('%s publishes the ports its app listens on', (name) => {
    const app = deployedApps[appOf[name]!];
    const config = readEnv(app.schema, env(name)) as Record<string, unknown>;
    const listening = Object.entries(app.ports)
      // MQTT over TLS only opens with a certificate; compose runs without one.
      .filter(([portName]) => portName !== 'mqtts')
      .map(([, port]) => (port.env ? Number(config[port.env]) : port.port));
    const published = (services[name]?.ports ?? []).map((mapping) =>
      Number(mapping.split(':').at(-1)),
    );
    expect(published.sort()).toEqual(listening.sort());
  });

  it('publishes no host port twice', () => {
    const hostPorts = Object.values(services).flatMap((service) =>
      (service.ports ?? []).map((mapping) => mapping.split(':').slice(0, -1).join(':')),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it.each(Object.keys(raw.services))('%s has a health check', (name) => {
    if (name === 'migrate') return; // one-shot: it exits, and others wait for that
    expect(services[name]?.healthcheck?.test.length).toBeGreaterThan(1);
  });

  it.each(longRunning)('%s health check asks the app’s health path on its port', (name) => {
    const app = deployedApps[appOf[name]!];
    const config = readEnv(app.schema, env(name)) as Record<string, unknown>;
    const port = app.ports[app.health.port]!;
    const value = port.env ? Number(config[port.env]) : port.port;
    const test = services[name]?.healthcheck?.test.join(' ') ?? '';
    expect(test).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${value}(${app.health.readiness}|${app.health.liveness})\\b`),
    );
  });

  it('runs the migration once, on the API image, before every app', () => {
    expect(services.migrate?.command).toEqual([...migrateCommand]);
    expect(services.migrate?.image).toBe(services.api?.image);
    expect(services.migrate?.depends_on?.postgres?.condition).toBe('service_healthy');
    for (const name of ['broker-1', 'broker-2', 'api']) {
      expect(services[name]?.depends_on?.migrate?.condition, name).toBe(
        'service_completed_successfully',
      );
    }
  });

  it('starts the brokers after Redis, and the API after a broker', () => {
    for (const name of ['broker-1', 'broker-2'])
      expect(services[name]?.depends_on?.redis?.condition).toBe('service_healthy');
    const brokers = Object.keys(services.api?.depends_on ?? {}).filter((dep) =>
      dep.startsWith('broker-'),
    );
    expect(brokers.length).toBeGreaterThan(0);
  });

  it('clusters the brokers: one REDIS_URL pointing at the redis service, distinct BROKER_IDs', () => {
    const urls = new Set([env('broker-1').REDIS_URL, env('broker-2').REDIS_URL]);
    expect(urls.size).toBe(1);
    expect(new URL([...urls][0] ?? '').hostname).toBe('redis');
    expect(env('broker-1').BROKER_ID).not.toBe(env('broker-2').BROKER_ID);
  });

  it('gives the API and the brokers the same SERVICE_SECRET, and the API a broker to reach', () => {
    const values = ['broker-1', 'broker-2', 'api'].map((name) => env(name).SERVICE_SECRET);
    expect(new Set(values)).toEqual(new Set([secrets.SERVICE_SECRET]));
    const mqtt = new URL(env('api').MQTT_URL ?? '');
    expect(Object.keys(services)).toContain(mqtt.hostname);
    const broker = readEnv(deployedApps.broker.schema, env(mqtt.hostname));
    expect(Number(mqtt.port || 1883)).toBe(broker.MQTT_PORT);
  });

  it('points every app at the compose PostgreSQL with its credentials', () => {
    const postgres = env('postgres');
    for (const name of ['broker-1', 'broker-2', 'api', 'migrate']) {
      const url = new URL(env(name).DATABASE_URL ?? '');
      expect(url.hostname, name).toBe('postgres');
      expect(url.username).toBe(postgres.POSTGRES_USER);
      expect(url.password).toBe(postgres.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    }
  });

  it('lets the admin UI reach the API and the API accept its origin', () => {
    const apiUrl = new URL(env('admin').API_BASE_URL ?? '');
    expect(Number(apiUrl.port)).toBe(readEnv(deployedApps.api.schema, env('api')).API_PORT);
    const origins = (env('api').CORS_ORIGINS ?? '').split(',');
    const adminPort = (services.admin?.ports?.[0] ?? '').split(':')[0];
    expect(origins).toContain(`http://localhost:${adminPort}`);
  });

  it('gives the apps time to flush on SIGTERM and a read-only filesystem', () => {
    for (const name of ['broker-1', 'broker-2', 'api']) {
      expect(services[name]?.stop_grace_period).toBe('40s');
    }
    for (const name of appServices) expect(services[name]?.read_only, name).toBe(true);
  });
});

const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
const composeMissing = compose.status !== 0;

describe.skipIf(composeMissing)(
  'docker compose config (skipped without the docker compose plugin)',
  () => {
    it('accepts the file', () => {
      const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--quiet'], {
        env: { ...process.env, ...secrets },
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
    });

    it('names the missing secret', () => {
      const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '--quiet'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/POSTGRES_PASSWORD|SERVICE_SECRET|JWT_SECRET|ADMIN_PASSWORD/);
    });
  },
);
