import { ApiEnv } from '@twinwire/api/config';
import { BrokerEnv } from '@twinwire/broker/config';
import { Env } from '@twinwire/config/env-types';
import { Type, type TObject } from 'typebox';

/**
 * The admin container's environment: its entrypoint writes `config.json` (which the SPA
 * fetches at boot) from these. A schema like the apps' so the reference is generated the
 * same way and the entrypoint is tested against it.
 */
export const AdminContainerEnv = Type.Object({
  API_BASE_URL: Env.url(
    ['http', 'https'],
    'the API the browser calls (REST and WebSocket), written to config.json as apiBaseUrl at container start; required',
  ),
  MQTT_PUBLIC_URL: Env.optional(
    Env.url(
      ['mqtt', 'mqtts', 'ws', 'wss'],
      'the broker address devices use, shown in connection snippets (config.json mqttUrl); unset: the API’s host on port 1883',
    ),
  ),
  MQTT_WS_PUBLIC_URL: Env.optional(
    Env.url(
      ['ws', 'wss'],
      'MQTT over WebSocket as devices and browsers reach it, e.g. wss://mqtt.example.com/mqtt (config.json mqttWsUrl); unset: the API’s host on port 8083',
    ),
  ),
  DEVICE_WS_PUBLIC_URL: Env.optional(
    Env.url(
      ['ws', 'wss'],
      'the API’s WebSocket device endpoint as devices reach it, e.g. wss://api.example.com/ws/device (config.json deviceWsUrl); unset: /ws/device on API_BASE_URL',
    ),
  ),
});

/** Read by `vite build` (and the dev server): where the UI looks when config.json says nothing. */
export const adminBuildEnv = [
  {
    name: 'VITE_API_BASE_URL',
    default: '',
    description:
      'build time: the API base URL when config.json gives none; unset: http://localhost:3000 under the dev server, else the page’s own origin',
  },
] as const;

export interface DeployedApp {
  /** The image infra/docker/<name>.Dockerfile builds. */
  image: string;
  dockerfile: string;
  /** The environment the app reads, as validated at start. */
  schema: TObject;
  /** Variables that carry credentials: from a Secret in Kubernetes, `${VAR:?}` in compose. */
  secrets: readonly string[];
  /** Container ports by name: the schema variable that sets each (or a fixed port). */
  ports: Readonly<Record<string, { env?: string; port: number }>>;
  /** HTTP health endpoints on the named port. */
  health: { port: string; liveness: string; readiness: string };
}

export type AppName = 'broker' | 'api' | 'admin';

export const deployedApps: Readonly<Record<AppName, DeployedApp>> = {
  broker: {
    image: 'twinwire/broker',
    dockerfile: 'docker/broker.Dockerfile',
    schema: BrokerEnv,
    secrets: ['DATABASE_URL', 'REDIS_URL', 'SERVICE_SECRET'],
    ports: {
      mqtt: { env: 'MQTT_PORT', port: 1883 },
      'mqtt-ws': { env: 'MQTT_WS_PORT', port: 8083 },
      mqtts: { env: 'MQTT_TLS_PORT', port: 8883 },
      http: { env: 'BROKER_HTTP_PORT', port: 9464 },
    },
    health: { port: 'http', liveness: '/healthz', readiness: '/readyz' },
  },
  api: {
    image: 'twinwire/api',
    dockerfile: 'docker/api.Dockerfile',
    schema: ApiEnv,
    secrets: ['DATABASE_URL', 'SERVICE_SECRET', 'JWT_SECRET', 'ADMIN_PASSWORD', 'METRICS_TOKEN'],
    ports: { http: { env: 'API_PORT', port: 3000 } },
    health: { port: 'http', liveness: '/healthz', readiness: '/readyz' },
  },
  admin: {
    image: 'twinwire/admin',
    dockerfile: 'docker/admin.Dockerfile',
    schema: AdminContainerEnv,
    secrets: [],
    ports: { http: { port: 8080 } },
    health: { port: 'http', liveness: '/healthz', readiness: '/healthz' },
  },
};

export const appNames = Object.keys(deployedApps) as AppName[];

/** The one-shot migration: the API image's second entry point (lock-safe, exits 0). */
export const migrateCommand = ['node', 'dist/migrate.js'] as const;
