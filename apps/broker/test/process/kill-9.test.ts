import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDatabase } from '@twinwire/db/testing';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllBrokers, spawnBroker } from '../helpers/spawn-broker.ts';
import {
  closeAll,
  connectDevice,
  ownDatabase,
  provisionDevices,
  reading,
  storedReadings,
  type Device,
  type StoredReading,
} from './fixtures.ts';

const DEVICES = 20;
/** PUBLISHes a device keeps awaiting PUBACK: a window, as an MQTT client library keeps. */
const WINDOW = 4;
const TRAFFIC_MS = 1_500;

const clients = new Set<MqttClient>();
let database: TestDatabase | undefined;
afterEach(async () => {
  await closeAll(clients);
  clients.clear();
  await killAllBrokers();
  await database?.drop();
  database = undefined;
});

/** What one device sent (seq → payload) and which seqs the broker acknowledged. */
interface Traffic {
  device: Device;
  sent: Map<number, string>;
  acked: Set<number>;
}

/**
 * Publishes readings at QoS 1 with increasing seq as fast as PUBACKs come back, until the
 * connection closes. Callbacks rather than promises: after the broker dies, mqtt.js fails the
 * unacknowledged ones only when the client is ended.
 */
function publishUntilClosed(client: MqttClient, traffic: Traffic): Promise<void> {
  let next = 0;
  let inFlight = 0;
  let open = true;
  const fill = () => {
    while (open && inFlight < WINDOW) {
      const seq = next;
      next += 1;
      const payload = reading(seq);
      traffic.sent.set(seq, payload);
      inFlight += 1;
      client.publish(traffic.device.topic, payload, { qos: 1 }, (error) => {
        inFlight -= 1;
        if (error) return;
        traffic.acked.add(seq);
        fill();
      });
    }
  };
  return new Promise((resolve) => {
    client.once('close', () => {
      open = false;
      resolve();
    });
    fill();
  });
}

const key = (deviceId: string, seq: number) => `${deviceId}/${seq}`;

describe('kill -9', () => {
  it(
    'kill -9 of the broker during QoS 1 traffic loses no acknowledged reading and duplicates none',
    { timeout: 90_000 },
    async () => {
      database = await ownDatabase();
      const fleet = await provisionDevices(database, 'kill9', DEVICES);
      const first = await spawnBroker({ DATABASE_URL: database.url });

      const traffic: Traffic[] = fleet.map((device) => ({
        device,
        sent: new Map(),
        acked: new Set(),
      }));
      const connected = await Promise.all(
        fleet.map((device) => connectDevice(first.mqttUrl, device)),
      );
      for (const client of connected) clients.add(client);
      const closed = Promise.all(
        connected.map((client, index) => publishUntilClosed(client, traffic[index]!)),
      );
      await sleep(TRAFFIC_MS);
      first.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await closed;
      await closeAll(connected);

      const sent = traffic.flatMap(({ device, sent }) =>
        [...sent].map(([seq, payload]) => ({ deviceId: device.id, seq, payload })),
      );
      const acked = traffic.flatMap(({ device, acked }) =>
        [...acked].map((seq) => key(device.id, seq)),
      );
      // The test means something only if traffic was flowing on every device.
      for (const { device, acked: ackedByDevice } of traffic) {
        expect(ackedByDevice.size, `${device.id} got no PUBACK`).toBeGreaterThan(0);
      }

      const afterKill = await storedReadings(database);
      const storedKeys = afterKill.map((row) => key(row.device_id, row.seq));
      const storedSet = new Set(storedKeys);
      // [MQTT-4.3.2-2] a PUBACK means the broker took ownership of the message: here, that the
      // reading was committed to PostgreSQL before the PUBACK left.
      expect(acked.filter((entry) => !storedSet.has(entry))).toEqual([]);
      // No duplicates: as many rows as distinct (device, seq).
      expect(storedKeys).toHaveLength(storedSet.size);
      const counts = await database.pool.query<{ rows: string; distinct: string }>(
        'SELECT count(*) AS rows, count(DISTINCT (device_id, seq)) AS distinct FROM telemetry',
      );
      expect(counts.rows[0]!.rows).toBe(counts.rows[0]!.distinct);
      // Nothing stored that was not sent, and what was stored is what was sent.
      expectStoredAsSent(afterKill, sent);

      const ackedSet = new Set(acked);
      const unacked = sent.filter((entry) => !ackedSet.has(key(entry.deviceId, entry.seq)));
      const unackedStored = unacked.filter((entry) =>
        storedSet.has(key(entry.deviceId, entry.seq)),
      );
      console.info(
        `kill -9: ${sent.length} readings sent, ${acked.length} acknowledged, ${unacked.length} unacknowledged of which ${unackedStored.length} were stored anyway (committed, PUBACK lost)`,
      );

      // The devices reconnect to a new broker on the same database and resend what was
      // never acknowledged, as a device does after a reconnect.
      const second = await spawnBroker({ DATABASE_URL: database.url });
      await Promise.all(
        fleet.map(async (device) => {
          const client = await connectDevice(second.mqttUrl, device);
          clients.add(client);
          await Promise.all(
            unacked
              .filter((entry) => entry.deviceId === device.id)
              .map((entry) => client.publishAsync(device.topic, entry.payload, { qos: 1 })),
          );
        }),
      );

      const afterResend = await storedReadings(database);
      expect(afterResend).toHaveLength(sent.length);
      expectStoredAsSent(afterResend, sent);
    },
  );
});

/** Every stored row is one of the sent readings, with the sent timestamp and metrics. */
function expectStoredAsSent(
  stored: StoredReading[],
  sent: { deviceId: string; seq: number; payload: string }[],
): void {
  const sentByKey = new Map(sent.map((entry) => [key(entry.deviceId, entry.seq), entry.payload]));
  const mismatched = stored.filter((row) => {
    const payload = sentByKey.get(key(row.device_id, row.seq));
    if (payload === undefined) return true;
    const { ts, metrics } = JSON.parse(payload) as { ts: number; metrics: unknown };
    return row.ts_ms !== ts || JSON.stringify(row.metrics) !== JSON.stringify(metrics);
  });
  expect(mismatched).toEqual([]);
}
