// Issue #18's "two API and two broker processes raise each alarm once": four real processes
// on one database, devices crossing a rule's threshold through every ingest point at once
// (MQTT to either broker, the device WebSocket of either API), and each alarm raised and
// cleared exactly once: one row, one alarms/{deviceId} message, one webhook event per transition.
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { createUser } from '@twinwire/db/users';
import type { AlarmEvent } from '@twinwire/schemas/alarms';
import { telemetryTopic } from '@twinwire/schemas/topics';
import { provisionDevices } from '@twinwire/testing/provision';
import { createServiceSecret } from '@twinwire/testing/service-secret';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  API_DIR,
  BROKER_DIR,
  spawnApp,
  type LogLine,
  type SpawnedProcess,
} from './helpers/spawn-process.ts';
import { WebhookReceiver } from '@twinwire/testing/webhook-receiver';

const SERVICE_SECRET = createServiceSecret();
const WEBHOOK_SECRET = 'alarms-processes-webhook-secret';
const VIEWER = { username: 'watcher', password: 'watcher-password-0123' };
const DEVICE_COUNT = 6;

let database: TestDatabase;
const processes: SpawnedProcess[] = [];
const clients: MqttClient[] = [];
const sockets: WebSocket[] = [];
const receiver = new WebhookReceiver(() => WEBHOOK_SECRET);

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  await receiver.start();
});
afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await Promise.all(clients.map((client) => client.endAsync(true)));
  await Promise.all(processes.map((child) => child.stop()));
  await receiver.stop();
  await database.drop();
});

async function spawnBroker(id: string): Promise<string> {
  const broker = await spawnApp(
    BROKER_DIR,
    {
      DATABASE_URL: database.url,
      BROKER_ID: id,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_WS_PORT: '0',
      BROKER_HTTP_PORT: '0',
      SERVICE_SECRET,
      LOG_LEVEL: 'info',
    },
    (line) => line.msg === 'broker listening',
  );
  processes.push(broker);
  return `mqtt://127.0.0.1:${String(broker.ready.mqtt)}`;
}

const apiPort = (line: LogLine) =>
  /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/.exec(line.msg ?? '')?.[1];

async function spawnApi(mqttUrl: string): Promise<string> {
  const api = await spawnApp(
    API_DIR,
    {
      DATABASE_URL: database.url,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      MQTT_URL: mqttUrl,
      SERVICE_SECRET,
      JWT_SECRET: 'alarms-processes-jwt-secret-0123456789abcdef',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_RETRY_BASE_MS: '50',
      ALARM_NO_DATA_SWEEP_MS: '0',
      LOG_LEVEL: 'info',
    },
    (line) => apiPort(line) !== undefined,
  );
  processes.push(api);
  return `ws://127.0.0.1:${apiPort(api.ready) ?? ''}`;
}

/** A device's WebSocket on one API, open; `send` resolves on the reading's ack. */
async function deviceSocket(apiWs: string, id: string, secret: string) {
  const socket = new WebSocket(`${apiWs}/ws/device`, {
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
  });
  sockets.push(socket);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acks = new Map<string, () => void>();
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; id?: string };
    if (frame.type === 'ack' && frame.id) acks.get(frame.id)?.();
  });
  return {
    send: (seq: number, ts: number, temp: number) =>
      new Promise<void>((resolve) => {
        const frameId = `r${seq}`;
        acks.set(frameId, resolve);
        socket.send(
          JSON.stringify({
            type: 'telemetry',
            id: frameId,
            reading: { ts, seq, metrics: { temp } },
          }),
        );
      }),
  };
}

async function mqttClient(url: string, options: IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    protocolVersion: 5,
    ...options,
  });
  clients.push(client);
  return client;
}

it('two brokers and two APIs on one database raise and clear each alarm exactly once', async () => {
  const { pool, db } = database;
  const ids = Array.from({ length: DEVICE_COUNT }, (_, index) => `proc-${index}`);
  const secrets = (await provisionDevices(db, ids)).map((device) => device.secret);
  await createUser(db, { ...VIEWER, role: 'viewer' });
  // Written before the processes start, so each has the rule from its first load.
  await pool.query(
    `INSERT INTO alarm_rules (name, metric, condition, severity, message)
     VALUES ('too hot', 'temp', '{"op":">","value":50}', 'critical', '{device}: {value}')`,
  );
  await pool.query(
    `INSERT INTO webhook_destinations (name, url, events, secret)
     VALUES ('ops', $1, '{alarm.raised,alarm.cleared}', $2)`,
    [receiver.url, WEBHOOK_SECRET],
  );

  const brokers = [await spawnBroker('broker-a'), await spawnBroker('broker-b')];
  const apis = [await spawnApi(brokers[0] ?? ''), await spawnApi(brokers[1] ?? '')];

  // A viewer on each broker (the brokers share no Redis: each hears what is published on it).
  const heard: AlarmEvent[] = [];
  for (const [index, url] of brokers.entries()) {
    const viewer = await mqttClient(url, {
      clientId: `viewer-${index}`,
      username: VIEWER.username,
      password: VIEWER.password,
    });
    viewer.on('message', (_topic, payload) => {
      heard.push(JSON.parse(payload.toString()) as AlarmEvent);
    });
    await viewer.subscribeAsync('alarms/+', { qos: 1 });
  }

  // Each device at once over MQTT to one broker and over the device WebSocket to both APIs;
  // then over MQTT to the other broker. Every reading is over the line, then every one under.
  // Timestamps fixed in advance (inside the acceptance window), so every reading under the line
  // is later than every reading over it whatever the processes' speed.
  const now = Date.now();
  const phase = async (start: number, ts: number, temp: number) => {
    await Promise.all(
      ids.map(async (id, index) => {
        const secret = secrets[index] ?? '';
        const [first, second] = index % 2 === 0 ? brokers : [...brokers].reverse();
        const onApis = await Promise.all(apis.map((api) => deviceSocket(api, id, secret)));
        const device = await mqttClient(first ?? '', {
          clientId: id,
          username: id,
          password: secret,
        });
        await Promise.all([
          device.publishAsync(
            telemetryTopic(id),
            JSON.stringify({ ts, seq: start, metrics: { temp } }),
            { qos: 1 },
          ),
          ...onApis.map((socket, socketIndex) =>
            socket.send(start + 1 + socketIndex, ts + 1 + socketIndex, temp),
          ),
        ]);
        await device.endAsync();
        const again = await mqttClient(second ?? '', {
          clientId: id,
          username: id,
          password: secret,
        });
        await again.publishAsync(
          telemetryTopic(id),
          JSON.stringify({ ts: ts + 10, seq: start + 10, metrics: { temp } }),
          { qos: 1 },
        );
        await again.endAsync();
      }),
    );
  };
  await phase(1, now - 20_000, 90);
  await phase(100, now - 10_000, 10);

  // Acked readings have been evaluated: the rows are final.
  const rows = await pool.query<{ id: string; device_id: string; state: string }>(
    'SELECT id, device_id, state FROM alarms ORDER BY device_id',
  );
  expect(rows.rows.map((row) => [row.device_id, row.state])).toEqual(
    ids.map((id) => [id, 'cleared']),
  );
  const alarmIds = rows.rows.map((row) => row.id).sort();
  const outbox = await pool.query<{ event_type: string; n: number }>(
    'SELECT event_type, count(*)::int AS n FROM webhook_outbox GROUP BY event_type ORDER BY event_type',
  );
  expect(outbox.rows).toEqual([
    { event_type: 'alarm.cleared', n: DEVICE_COUNT },
    { event_type: 'alarm.raised', n: DEVICE_COUNT },
  ]);

  await expect
    .poll(
      async () =>
        (await pool.query(`SELECT 1 FROM webhook_outbox WHERE status <> 'delivered'`)).rowCount,
      { timeout: 20_000 },
    )
    .toBe(0);
  const delivered = new Map(receiver.received.map((entry) => [entry.event.id, entry.event]));
  const deliveredOf = (type: string) =>
    [...delivered.values()]
      .filter((event) => event.type === type)
      .map((event) => (event as AlarmEvent).data.id)
      .sort();
  expect(deliveredOf('alarm.raised')).toEqual(alarmIds);
  expect(deliveredOf('alarm.cleared')).toEqual(alarmIds);
  expect(receiver.received.every((entry) => entry.signatureValid)).toBe(true);

  // Every transition was published once, on the broker of the process that made it.
  await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(2 * DEVICE_COUNT);
  const heardOf = (type: string) =>
    heard
      .filter((event) => event.type === type)
      .map((event) => event.data.id)
      .sort();
  expect(heardOf('alarm.raised')).toEqual(alarmIds);
  expect(heardOf('alarm.cleared')).toEqual(alarmIds);
  expect(new Set(heard.map((event) => event.id)).size).toBe(2 * DEVICE_COUNT);
}, 120_000);
