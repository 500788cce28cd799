/**
 * Fan-out through the API: one MQTT device publishing 100 readings/s (QoS 1, stored by the
 * broker) to 1,000 dashboard sockets on /ws/live, for ~10 s. Prints delivered messages/s and
 * device→dashboard latency (publish time in the reading's ts → frame received).
 *
 *   cd apps/platform && pnpm exec tsx bench/fanout.bench.ts [dashboards] [seconds] [rate]
 *
 * The dashboards run in a child process (bench/dashboards.ts), the platform (broker and API,
 * `startPlatform`) in this one: "server CPU" is this process's, per delivered frame. On a 2-core machine the two
 * processes still share the cores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, startTestPostgres } from '@twinwire/db/testing';
import { telemetryTopic } from '@twinwire/schemas/topics';
import { provisionDevice } from '@twinwire/testing/provision';
import mqtt from 'mqtt';
import { startPlatform } from '../src/start-platform.ts';

const dashboards = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 10);
const rate = Number(process.argv[4] ?? 100);
const round = (value: number) => Math.round(value * 100) / 100;

const postgres = await startTestPostgres(process.env.DATABASE_URL);
const database = await createTestDatabase(postgres.url);
const admin = { username: 'bench', password: 'bench-password-1' };
const platform = await startPlatform({ database: { client: database, url: database.url }, admin });
const { app } = platform;
const mqttUrl = platform.urls.mqtt;

const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: admin });
const token = login.json<{ accessToken: string }>().accessToken;
const deviceId = 'bench-device';
const { secret } = await provisionDevice(database.db, deviceId);
const topic = telemetryTopic(deviceId);

interface DashboardReport {
  delivered: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}
const dashboardProcess = fork(fileURLToPath(new URL('./dashboards.ts', import.meta.url)), {
  execArgv: ['--import', 'tsx'],
});
const replies = new Map<string, (message: unknown) => void>();
dashboardProcess.on('message', (message: { type: string }) => replies.get(message.type)?.(message));
const reply = <T>(type: string) =>
  new Promise<T>((resolve) =>
    replies.set(type, (message) => {
      resolve(message as T);
    }),
  );
const ready = reply('ready');
dashboardProcess.send({
  type: 'connect',
  url: `${platform.urls.apiWs}/ws/live?access_token=${token}`,
  topic,
  count: dashboards,
});
await ready;

const device = await mqtt.connectAsync(mqttUrl, {
  clientId: deviceId,
  username: deviceId,
  password: secret,
  reconnectPeriod: 0,
});
const memoryBefore = process.memoryUsage().rss;
dashboardProcess.send({ type: 'measure' });
const cpuBefore = process.cpuUsage();
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
await sleep(1_000);
const cpu = process.cpuUsage(cpuBefore);
const elapsedS = (Date.now() - started) / 1000;
const reported = reply<DashboardReport>('report');
dashboardProcess.send({ type: 'report' });
const { delivered, p50, p99, max } = await reported;

console.table([
  {
    name: `fan-out 1 device → ${dashboards} dashboards`,
    'readings published': published,
    'frames delivered': delivered,
    'expected frames': published * dashboards,
    'delivered msgs/s': Math.round(delivered / elapsedS),
    'p50 ms': p50,
    'p99 ms': p99,
    'max ms': max,
    'server CPU µs/frame': delivered > 0 ? round((cpu.user + cpu.system) / delivered) : null,
    'rss Δ MB': Math.round((process.memoryUsage().rss - memoryBefore) / 1024 / 1024),
  },
]);

await device.endAsync();
await platform.close();
await database.drop();
await postgres.stop();
