import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { provisionDevices as provisionWithCredentials } from '@twinwire/testing/provision';
import { waitUntil } from '@twinwire/testing/wait-until';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { inject } from 'vitest';
import { SERVICE_SECRET } from '../helpers/spawn-broker.ts';

export interface Device {
  id: string;
  secret: string;
  topic: string;
}

/** A migrated database of the test's own. */
export function ownDatabase(): Promise<TestDatabase> {
  return createTestDatabase(inject('postgresUrl'));
}

/**
 * Devices with one credential each. Ids carry a random token: brokers sharing a Redis
 * (other test files, other runs) see each other's pub/sub traffic, so topics must be unique.
 */
export async function provisionDevices(
  database: TestDatabase,
  name: string,
  count: number,
): Promise<Device[]> {
  const token = randomBytes(4).toString('hex');
  const ids = Array.from({ length: count }, (_, index) => `${name}-${token}-${index}`);
  const provisioned = await provisionWithCredentials(database.db, ids);
  return provisioned.map(({ id, secret }) => ({ id, secret, topic: `devices/${id}/telemetry` }));
}

/** Timestamps a little in the past, inside the acceptance window, one per seq. */
const base = Date.now() - 60_000;

export function reading(seq: number): string {
  return JSON.stringify({ ts: base + seq, seq, metrics: { temperature: 21.5 } });
}

export interface StoredReading {
  device_id: string;
  seq: number;
  ts_ms: number;
  metrics: unknown;
}

export async function storedReadings(database: TestDatabase): Promise<StoredReading[]> {
  const result = await database.pool.query<StoredReading>(
    `SELECT device_id, seq::int8::float8 AS seq, (extract(epoch FROM ts) * 1000)::float8 AS ts_ms, metrics
       FROM telemetry ORDER BY device_id, seq`,
  );
  return result.rows;
}

/**
 * Connects an mqtt.js client that never reconnects by itself; resolves on CONNACK.
 * `prepare` sees the client before CONNECT is sent, to listen for what follows the CONNACK.
 */
export function connect(
  url: string,
  options: IClientOptions,
  prepare?: (client: MqttClient) => void,
): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  prepare?.(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      resolve(client);
    });
    // Before CONNACK an error fails the connect; after it (a broker killed or stopped on
    // purpose resets sockets) it is ignored here: the test sees its effect in what arrives.
    client.on('error', reject);
    client.once('close', () => {
      reject(new Error(`connection of ${options.clientId ?? 'client'} closed before CONNACK`));
    });
  });
}

export function connectDevice(
  url: string,
  device: Device,
  options: IClientOptions = {},
  prepare?: (client: MqttClient) => void,
) {
  return connect(
    url,
    { clientId: device.id, username: device.id, password: device.secret, ...options },
    prepare,
  );
}

export function connectService(
  url: string,
  name: string,
  options: IClientOptions = {},
  prepare?: (client: MqttClient) => void,
) {
  return connect(
    url,
    { clientId: `service/${name}`, username: 'service', password: SERVICE_SECRET, ...options },
    prepare,
  );
}

/** Resolves when every byte handed to the client's socket has been written to the kernel. */
export async function drained(client: MqttClient, timeoutMs = 5_000): Promise<void> {
  await waitUntil('the client socket to drain', () => client.stream.writableLength === 0, {
    timeoutMs,
    intervalMs: 5,
  });
}

/** Resolves with the first message on `topic` the client receives. */
export function nextMessage(
  client: MqttClient,
  topic: string,
  timeoutMs = 10_000,
): Promise<{ payload: string; retain: boolean; qos: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeListener('message', onMessage);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (
      received: string,
      payload: Buffer,
      packet: { retain: boolean; qos: number },
    ) => {
      if (received !== topic) return;
      clearTimeout(timer);
      client.removeListener('message', onMessage);
      resolve({ payload: payload.toString(), retain: packet.retain, qos: packet.qos });
    };
    client.on('message', onMessage);
  });
}

/** Ends every client without waiting for the broker (which may be gone). */
export async function closeAll(clients: Iterable<MqttClient>): Promise<void> {
  await Promise.all([...clients].map((client) => client.endAsync(true)));
}
