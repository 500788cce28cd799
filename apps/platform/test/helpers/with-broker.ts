import { randomBytes } from 'node:crypto';
import type { Broker } from '@twinwire/broker/broker';
import type { UserRole } from '@twinwire/db/schema';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { createUser } from '@twinwire/db/users';
import { provisionDevice } from '@twinwire/testing/provision';
import { createServiceSecret } from '@twinwire/testing/service-secret';
import type { FastifyInstance } from 'fastify';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { inject } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { startPlatform, type PlatformOptions } from '../../src/start-platform.ts';

export const SERVICE_SECRET = createServiceSecret();
const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
export const ALLOWED_ORIGIN = 'http://localhost:5173';

export interface Stack {
  app: FastifyInstance;
  broker: Broker;
  database: TestDatabase;
  /** `http://127.0.0.1:<port>` */
  httpUrl: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  /** Creates a user with this role and returns an access token for it. */
  tokenFor(role: UserRole): Promise<string>;
  /** Creates a device with one credential and returns its secret. */
  provision(deviceId?: string): Promise<{ deviceId: string; secret: string }>;
  /** An mqtt.js client, connected (CONNACK received); ended by `close()`. */
  mqtt(options: IClientOptions): Promise<MqttClient>;
  /** Connected as the device itself. */
  mqttDevice(deviceId: string, secret: string): Promise<MqttClient>;
  /** Connected as the service principal (publishes are routed, never stored by the broker). */
  mqttService(): Promise<MqttClient>;
  /**
   * Another API instance (its own broker link) on the same broker and database, as a second
   * replica behind a load balancer; tokens from `tokenFor` work on it. Closed by `close()`.
   */
  anotherApi(): Promise<FastifyInstance>;
  /** An open `ws` client; closed by `close()`. */
  openWs(path: string, options?: ClientOptions): Promise<WebSocket>;
  /** The HTTP status of an upgrade request: 101 when accepted, else the refusal. */
  upgradeStatus(path: string, headers?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

type ApiOptions = NonNullable<PlatformOptions['apiOptions']>;

let unique = 0;
const uniqueId = (prefix: string) =>
  `${prefix}-${(unique += 1).toString()}-${randomBytes(3).toString('hex')}`;

/**
 * The platform (`startPlatform`: the real broker on free ports and the real API on a free
 * port, linked with the service credential) against one test database of its own.
 */
export async function startStack(
  options: {
    live?: ApiOptions['live'];
    deviceSocket?: ApiOptions['deviceSocket'];
    /** Broker settings over the loopback defaults, e.g. `MQTT_RECEIVE_MAXIMUM`. */
    brokerEnv?: Record<string, string>;
    /** API environment overrides. */
    env?: Record<string, string>;
  } = {},
): Promise<Stack> {
  const database = await createTestDatabase(inject('postgresUrl'));
  const platform = await startPlatform({
    database: { client: database, url: database.url },
    admin: false,
    corsOrigins: [ALLOWED_ORIGIN],
    serviceSecret: SERVICE_SECRET,
    jwtSecret: JWT_SECRET,
    ...(options.brokerEnv ? { brokerEnv: options.brokerEnv } : {}),
    apiEnv: {
      LOGIN_RATE_LIMIT: '1000',
      // Tests fail logins on purpose, all from 127.0.0.1; tests of the throttle turn it on.
      LOGIN_THROTTLE: 'false',
      ...options.env,
    },
    apiOptions: {
      ...(options.live ? { live: options.live } : {}),
      ...(options.deviceSocket ? { deviceSocket: options.deviceSocket } : {}),
    },
  }).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  const { app, broker } = platform;
  const mqttUrl = platform.urls.mqtt;
  const httpUrl = platform.urls.api;
  const wsUrl = platform.urls.apiWs;
  const clients: MqttClient[] = [];
  const sockets: WebSocket[] = [];

  const stack: Stack = {
    app,
    broker,
    database,
    httpUrl,
    wsUrl,
    async tokenFor(role) {
      const username = uniqueId(role);
      const password = `password-of-${username}`;
      await createUser(database.db, { username, password, role });
      const response = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username, password },
      });
      return response.json<{ accessToken: string }>().accessToken;
    },
    async provision(deviceId = uniqueId('device')) {
      return { deviceId, secret: (await provisionDevice(database.db, deviceId)).secret };
    },
    mqtt(clientOptions) {
      const client = mqtt.connect(mqttUrl, {
        reconnectPeriod: 0,
        connectTimeout: 5_000,
        ...clientOptions,
      });
      clients.push(client);
      return new Promise((resolve, reject) => {
        client.once('connect', () => {
          resolve(client);
        });
        client.once('error', reject);
      });
    },
    mqttDevice(deviceId, secret) {
      return stack.mqtt({ clientId: deviceId, username: deviceId, password: secret });
    },
    mqttService() {
      return stack.mqtt({
        clientId: `service/${uniqueId('test')}`,
        username: 'service',
        password: SERVICE_SECRET,
      });
    },
    anotherApi() {
      return platform.anotherApi();
    },
    openWs(path, wsOptions) {
      const socket = new WebSocket(`${wsUrl}${path}`, wsOptions);
      sockets.push(socket);
      return new Promise((resolve, reject) => {
        socket.once('open', () => {
          resolve(socket);
        });
        socket.once('error', reject);
      });
    },
    upgradeStatus(path, headers) {
      const socket = new WebSocket(`${wsUrl}${path}`, { headers: headers ?? {} });
      return new Promise((resolve, reject) => {
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          response.resume();
          socket.terminate();
        });
        socket.once('error', reject);
      });
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      await Promise.all(clients.map((client) => client.endAsync(true)));
      await platform.close();
      await database.drop();
    },
  };
  return stack;
}

/** Collects a socket's JSON frames and waits for the ones a test expects. */
export class FrameLog {
  readonly frames: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];

  constructor(socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves with the first frame (from `from`) matching, waiting up to `timeoutMs`. */
  async next<T = Record<string, unknown>>(
    match: (frame: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` frames match. */
  async count(
    match: (frame: Record<string, unknown>) => boolean,
    count: number,
    timeoutMs = 15_000,
  ): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.filter(match);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${found.length} of ${count} matching frames within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Resolves with the close code and reason when the socket closes. */
export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve({ code: 1006, reason: '' });
  return new Promise((resolve) => {
    socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
}

/** A reading for `now` with sequence number `seq`. */
export const reading = (seq: number, metrics: Record<string, number | string> = { temp: seq }) => ({
  ts: Date.now(),
  seq,
  metrics,
});
