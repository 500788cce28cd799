/**
 * Fan-out through the API: one MQTT device publishing 100 readings/s (QoS 1, stored by the
 * broker) to 1,000 dashboard sockets on /ws/live, for ~10 s. Prints delivered messages/s and
 * device→dashboard latency (publish time in the reading's ts → frame received).
 *
 *   cd apps/api && pnpm exec tsx bench/fanout.bench.ts [dashboards] [seconds] [rate]
 *
 * The dashboards run in this same process, so on a small machine they compete with the API
 * and the broker for CPU: the numbers are a floor, not a ceiling.
 */
import type { AddressInfo } from 'node:net';
import { createBroker } from '@twinwire/broker/broker';
import { loopbackBrokerEnv, readBrokerConfig } from '@twinwire/broker/config';
import { createAclStore } from '@twinwire/db/acl-store';
import { issueDeviceCredential } from '@twinwire/db/device-credentials';
import { devices } from '@twinwire/db/schema';
import { createTestDatabase, startTestPostgres } from '@twinwire/db/testing';
import { createUser } from '@twinwire/db/users';
import { telemetryTopic } from '@twinwire/schemas/topics';
import mqtt from 'mqtt';
import pino from 'pino';
import { WebSocket } from 'ws';
import { buildApp } from '../src/app.ts';
import { createBrokerLink } from '../src/broker-link.ts';
import { readApiConfig } from '../src/config.ts';

const dashboards = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 10);
const rate = Number(process.argv[4] ?? 100);
const SERVICE_SECRET = 'bench-service-secret-0123456789';
const log = pino({ level: 'silent' });

const postgres = await startTestPostgres(process.env.DATABASE_URL);
const database = await createTestDatabase(postgres.url);
const broker = await createBroker({
  config: readBrokerConfig(loopbackBrokerEnv(SERVICE_SECRET)),
  db: database,
  databaseUrl: database.url,
  log,
});
const mqttUrl = `mqtt://127.0.0.1:${broker.addresses.mqtt}`;
const link = createBrokerLink({ url: mqttUrl, secret: SERVICE_SECRET, log });
await link.ready();
const app = await buildApp({
  config: readApiConfig({ LOG_LEVEL: 'silent', MQTT_URL: mqttUrl, SERVICE_SECRET }),
  db: database,
  acl: await createAclStore({ db: database.db }),
  jwtSecret: 'bench-jwt-secret-0123456789abcdef0123456789',
  log,
  broker: link,
});
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;

await createUser(database.db, { username: 'bench', password: 'bench-password-1', role: 'admin' });
const login = await app.inject({
  method: 'POST',
  url: '/api/v1/auth/login',
  payload: { username: 'bench', password: 'bench-password-1' },
});
const token = login.json<{ accessToken: string }>().accessToken;
const deviceId = 'bench-device';
await database.db.insert(devices).values({ id: deviceId, name: deviceId });
const { secret } = await issueDeviceCredential(database.db, deviceId);
const topic = telemetryTopic(deviceId);

const latencies: number[] = [];
let delivered = 0;
let measuring = false;
const sockets: WebSocket[] = [];
for (let i = 0; i < dashboards; i += 1) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/live?access_token=${token}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  const subscribed = new Promise<void>((resolve) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as {
        type: string;
        payload?: { ts: number };
      };
      if (frame.type === 'subscribed') resolve();
      if (frame.type !== 'message' || !measuring || !frame.payload) return;
      delivered += 1;
      latencies.push(Date.now() - frame.payload.ts);
    });
  });
  socket.send(JSON.stringify({ type: 'subscribe', id: 's', filter: topic }));
  await subscribed;
  sockets.push(socket);
}

const device = await mqtt.connectAsync(mqttUrl, {
  clientId: deviceId,
  username: deviceId,
  password: secret,
  reconnectPeriod: 0,
});
const memoryBefore = process.memoryUsage().rss;
measuring = true;
const started = Date.now();
let published = 0;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (published < due) {
      device
        .publishAsync(
          topic,
          JSON.stringify({ ts: Date.now(), seq: published, metrics: { temp: published } }),
          { qos: 1 },
        )
        .catch(() => undefined);
      published += 1;
    }
    if (Date.now() - started >= seconds * 1000) {
      clearInterval(timer);
      resolve();
    }
  }, 5);
});
// Let the last messages arrive.
await new Promise((resolve) => setTimeout(resolve, 1_000));
measuring = false;
const elapsedS = (Date.now() - started) / 1000;

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
console.table([
  {
    name: `fan-out 1 device → ${dashboards} dashboards`,
    'readings published': published,
    'frames delivered': delivered,
    'expected frames': published * dashboards,
    'delivered msgs/s': Math.round(delivered / elapsedS),
    'p50 ms': pct(0.5),
    'p99 ms': pct(0.99),
    'max ms': latencies.at(-1) ?? NaN,
    'rss Δ MB': Math.round((process.memoryUsage().rss - memoryBefore) / 1024 / 1024),
  },
]);

for (const socket of sockets) socket.terminate();
await device.endAsync();
await app.close();
await broker.close();
await database.drop();
await postgres.stop();
