import { setTimeout as sleep } from 'node:timers/promises';
import { devices } from '@twinwire/db/schema';
import type { TestDatabase } from '@twinwire/db/testing';
import { inArray } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllBrokers, spawnBroker } from '../helpers/spawn-broker.ts';
import {
  closeAll,
  connectDevice,
  connectService,
  drained,
  nextMessage,
  ownDatabase,
  provisionDevices,
  reading,
  storedReadings,
} from './fixtures.ts';
import { isolatedRedis, type IsolatedRedis } from './redis-space.ts';

const DEVICES = 5;
const READINGS_PER_DEVICE = 400;
const SENT = DEVICES * READINGS_PER_DEVICE;

const clients = new Set<MqttClient>();
let database: TestDatabase | undefined;
let redis: IsolatedRedis | undefined;
afterEach(async () => {
  await closeAll(clients);
  clients.clear();
  await killAllBrokers();
  await database?.drop();
  database = undefined;
  await redis?.close();
  redis = undefined;
});

describe('SIGTERM', () => {
  it(
    'exits 0 after storing every buffered QoS 0 reading and marking connected devices offline',
    { timeout: 60_000 },
    async () => {
      const db = await ownDatabase();
      database = db;
      const fleet = await provisionDevices(db, 'sigterm', DEVICES);
      redis = process.env.REDIS_URL ? await isolatedRedis(process.env.REDIS_URL) : undefined;
      const broker = await spawnBroker({
        DATABASE_URL: db.url,
        ...(redis ? { REDIS_URL: redis.url } : {}),
      });

      const connected = await Promise.all(
        fleet.map((device) => connectDevice(broker.mqttUrl, device)),
      );
      for (const client of connected) clients.add(client);
      const ids = fleet.map((device) => device.id);
      const onlineFlags = async () =>
        (
          await db.db
            .select({ online: devices.online })
            .from(devices)
            .where(inArray(devices.id, ids))
        ).map((row) => row.online);
      await expect.poll(onlineFlags, { timeout: 10_000 }).toEqual(ids.map(() => true));

      // A burst below the per-connection publish rate, so the broker reads it without pausing.
      await Promise.all(
        fleet.map(async (device, index) => {
          const client = connected[index]!;
          const published: Promise<unknown>[] = [];
          for (let seq = 0; seq < READINGS_PER_DEVICE; seq += 1) {
            published.push(client.publishAsync(device.topic, reading(seq), { qos: 0 }));
          }
          await Promise.all(published);
          await drained(client);
        }),
      );
      // Every byte is in the broker's socket buffers; give its event loop a moment to read them.
      await sleep(50);
      const committedAtSigterm = db.pool.query<{ count: string }>('SELECT count(*) FROM telemetry');
      broker.kill('SIGTERM');

      expect(await broker.exited, broker.stderr()).toEqual({ code: 0, signal: null });
      const closedLine = broker.logs.find((line) => line.msg === 'broker closed');
      expect(closedLine, `no "broker closed" log line; stderr:\n${broker.stderr()}`).toBeDefined();
      console.info(
        `SIGTERM: ${(await committedAtSigterm).rows[0]!.count} of ${SENT} QoS 0 readings were committed when SIGTERM was sent; writer at close: ${JSON.stringify(closedLine)}`,
      );
      // A clean shutdown: nothing refused, failed or given up on along the way.
      const shutdownStart = broker.logs.findIndex((line) => line.msg?.startsWith('shutting down'));
      expect(broker.logs.slice(shutdownStart).filter((line) => Number(line.level) >= 40)).toEqual(
        [],
      );

      // What the broker took in is what is stored: its writer committed every row it was
      // offered (the buffer, QOS0_BUFFER_ROWS, is far larger than the burst, so none was
      // dropped) and holds none back. And that is every reading sent: all of them reached the
      // broker before the signal.
      const stored = await storedReadings(db);
      const { committed, duplicates, queued, rejected } = closedLine as Record<string, number>;
      expect({ queued, rejected }).toEqual({ queued: 0, rejected: 0 });
      expect(stored).toHaveLength(committed! - duplicates!);
      expect(stored.map((row) => `${row.device_id}/${row.seq}`).sort()).toEqual(
        fleet
          .flatMap((device) =>
            Array.from({ length: READINGS_PER_DEVICE }, (_, seq) => `${device.id}/${seq}`),
          )
          .sort(),
      );

      expect(await onlineFlags()).toEqual(ids.map(() => false));

      if (redis) {
        // Retained messages outlive the broker only in the cluster's Redis.
        const successor = await spawnBroker({ DATABASE_URL: db.url, REDIS_URL: redis.url });
        const watcher = await connectService(successor.mqttUrl, 'sigterm-watcher');
        clients.add(watcher);
        const statusTopics = ids.map((id) => `devices/${id}/status`);
        const statuses = Promise.all(statusTopics.map((topic) => nextMessage(watcher, topic)));
        await watcher.subscribeAsync(statusTopics, { qos: 1 });
        // [MQTT-3.3.1-6] a new subscription gets the topic's last retained message.
        for (const status of await statuses) {
          expect(status.retain).toBe(true);
          expect(JSON.parse(status.payload)).toMatchObject({ online: false, protocol: 'mqtt' });
        }
      }
    },
  );
});
