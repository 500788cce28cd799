import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { startBroker, type TestBroker } from './helpers/start-broker.ts';

let harness: TestBroker | undefined;
afterEach(async () => {
  await harness?.outage?.restore();
  await harness?.close();
  harness = undefined;
});

const NOW = Date.now();
const reading = (seq: number) => JSON.stringify({ ts: NOW + seq, seq, metrics: { v: seq } });

async function storedSeqs(broker: TestBroker, deviceId: string): Promise<number[]> {
  const result = await broker.database.pool.query<{ seq: string }>(
    'SELECT seq FROM telemetry WHERE device_id = $1 ORDER BY seq',
    [deviceId],
  );
  return result.rows.map((row) => Number(row.seq));
}

it('holds the PUBACK while the commit cannot happen, and sends it once the row is committed', async () => {
  harness = await startBroker();
  const secret = await harness.provision('held');
  const client = await harness.connect({ clientId: 'held', username: 'held', password: secret });
  const locker = await harness.database.pool.connect();
  await locker.query('BEGIN; LOCK TABLE telemetry IN EXCLUSIVE MODE');

  let acknowledged = false;
  const publish = client.publishAsync('devices/held/telemetry', reading(1), { qos: 1 }).then(() => {
    acknowledged = true;
  });
  await sleep(300);
  expect(acknowledged).toBe(false);

  await locker.query('COMMIT');
  locker.release();
  await publish;
  expect(await storedSeqs(harness, 'held')).toEqual([1]);
});

it('makes QoS 1 publishers wait through a database outage, then stores every reading exactly once', async () => {
  harness = await startBroker({}, { outage: true });
  const secret = await harness.provision('patient');
  const client = await harness.connect({
    clientId: 'patient',
    username: 'patient',
    password: secret,
  });
  await client.publishAsync('devices/patient/telemetry', reading(0), { qos: 1 });

  await harness.outage?.cut();
  const during = Array.from({ length: 20 }, (_, i) =>
    client.publishAsync('devices/patient/telemetry', reading(i + 1), { qos: 1 }),
  );
  await sleep(500);
  expect(harness.broker.writer.stats().committed).toBe(1);
  expect(client.connected).toBe(true);

  await harness.outage?.restore();
  await Promise.all(during);
  expect(await storedSeqs(harness, 'patient')).toEqual(Array.from({ length: 21 }, (_, i) => i));
});

it('drops QoS 0 readings beyond the buffer during an outage, counts each, and stores the rest', async () => {
  harness = await startBroker({ QOS0_BUFFER_ROWS: '100' }, { outage: true });
  const secret = await harness.provision('chatty');
  const client = await harness.connect({
    clientId: 'chatty',
    username: 'chatty',
    password: secret,
  });
  await harness.outage?.cut();
  for (let seq = 0; seq < 300; seq += 1) {
    await client.publishAsync('devices/chatty/telemetry', reading(seq), { qos: 0 });
  }
  const dropped = async () => {
    const metrics = await harness?.broker.metrics.registry.getSingleMetricAsString(
      'twinwire_broker_telemetry_qos0_dropped_total',
    );
    return Number(/ (\d+)$/m.exec(metrics ?? '')?.[1] ?? 0);
  };
  // The buffer holds 100 readings (queued or in a batch waiting for the database).
  await expect.poll(dropped, { timeout: 10_000 }).toBe(200);
  await harness.outage?.restore();
  await harness.broker.writer.flush();
  const stored = await storedSeqs(harness, 'chatty');
  expect(stored.length + (await dropped())).toBe(300);
});
