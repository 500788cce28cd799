import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from './helpers/start-broker.ts';

let harness: TestBroker;
beforeAll(async () => {
  harness = await startBroker();
});
afterAll(() => harness.close());

const NOW = Date.now();
let nextDevice = 0;
async function device(): Promise<{ id: string; client: MqttClient }> {
  nextDevice += 1;
  const id = `ingest-${nextDevice}`;
  const secret = await harness.provision(id);
  return { id, client: await harness.connect({ clientId: id, username: id, password: secret }) };
}

async function stored(deviceId: string): Promise<{ seq: string; metrics: unknown }[]> {
  const result = await harness.database.pool.query<{ seq: string; metrics: unknown }>(
    'SELECT seq, metrics FROM telemetry WHERE device_id = $1 ORDER BY seq',
    [deviceId],
  );
  return result.rows;
}

function reading(seq: number, metrics: Record<string, unknown> = { temperature: 21.5 }): string {
  return JSON.stringify({ ts: NOW + seq, seq, metrics });
}

function nextMessage(client: MqttClient, topic: string): Promise<unknown> {
  return new Promise((resolve) => {
    client.on('message', (received, payload) => {
      if (received === topic) resolve(JSON.parse(payload.toString()));
    });
  });
}

describe('telemetry ingest (the delivery guarantee)', () => {
  it.each([1, 2] as const)(
    'acknowledges a QoS %i reading only once it is committed in PostgreSQL',
    async (qos) => {
      const { id, client } = await device();
      await client.publishAsync(`devices/${id}/telemetry`, reading(1), { qos });
      // [MQTT-4.3.2-2]/[MQTT-4.3.3-2]: the PUBACK/PUBREC came after the commit, so the row is there now.
      expect(await stored(id)).toEqual([{ seq: '1', metrics: { temperature: 21.5 } }]);
    },
  );

  it('buffers QoS 0 readings and stores them', async () => {
    const { id, client } = await device();
    for (let seq = 0; seq < 50; seq += 1)
      await client.publishAsync(`devices/${id}/telemetry`, reading(seq), { qos: 0 });
    await expect.poll(async () => (await stored(id)).length).toBe(50);
  });

  it('stores a batch of points and a redelivered reading once', async () => {
    const { id, client } = await device();
    const points = [0, 1, 2].map((seq) => JSON.parse(reading(seq)) as unknown);
    await client.publishAsync(`devices/${id}/telemetry`, JSON.stringify({ points }), { qos: 1 });
    await client.publishAsync(`devices/${id}/telemetry`, reading(1), { qos: 1 });
    await client.publishAsync(`devices/${id}/telemetry`, reading(1), { qos: 2 });
    expect((await stored(id)).map((row) => row.seq)).toEqual(['0', '1', '2']);
  });

  it('refuses an invalid payload: not stored, not forwarded, the device told why, the connection kept', async () => {
    const { id, client } = await device();
    const watcher = await harness.connect({
      clientId: 'service/watcher',
      username: 'service',
      password: harness.config.SERVICE_SECRET ?? '',
    });
    const forwarded: string[] = [];
    watcher.on('message', (topic, payload) => forwarded.push(`${topic} ${payload.toString()}`));
    await watcher.subscribeAsync(`devices/${id}/telemetry`, { qos: 1 });
    await client.subscribeAsync(`devices/${id}/errors`);
    const error = nextMessage(client, `devices/${id}/errors`);

    await client.publishAsync(
      `devices/${id}/telemetry`,
      '{"ts": "yesterday", "seq": 1, "metrics": {}}',
      { qos: 1 },
    );
    expect(await error).toMatchObject({
      code: 'TWW_INVALID_PAYLOAD',
      topic: `devices/${id}/telemetry`,
    });
    expect((await error) as { message: string }).toHaveProperty(
      'message',
      expect.stringMatching(/\/ts/),
    );

    await client.publishAsync(`devices/${id}/telemetry`, reading(7), { qos: 1 });
    expect(client.connected).toBe(true);
    expect(await stored(id)).toEqual([{ seq: '7', metrics: { temperature: 21.5 } }]);
    await expect.poll(() => forwarded).toEqual([`devices/${id}/telemetry ${reading(7)}`]);
  });

  it('refuses payloads that are not JSON or too large, with the matching code', async () => {
    const { id, client } = await device();
    await client.subscribeAsync(`devices/${id}/errors`);
    const codes: string[] = [];
    client.on('message', (_topic, payload) =>
      codes.push((JSON.parse(payload.toString()) as { code: string }).code),
    );
    await client.publishAsync(`devices/${id}/telemetry`, '{not json', { qos: 1 });
    await client.publishAsync(`devices/${id}/telemetry`, Buffer.alloc(100 * 1024, 0x20), {
      qos: 1,
    });
    await expect.poll(() => codes).toEqual(['TWW_INVALID_JSON', 'TWW_PAYLOAD_TOO_LARGE']);
    expect(await stored(id)).toEqual([]);
  });
});
