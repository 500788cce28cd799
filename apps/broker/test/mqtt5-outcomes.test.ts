import { setTimeout as sleep } from 'node:timers/promises';
import type mqttPacket from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishPacket, rawClient, type RawClient } from './helpers/raw-client.ts';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

// Twinwire's own outcomes, told to MQTT 5.0 clients with the protocol's reason codes.

let harness: TestBroker;
const clients: RawClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.end();
});

async function device(id: string, fields: Partial<mqttPacket.IConnectPacket> = {}) {
  const secret = await harness.provision(id);
  const client = await rawClient(harness.broker.addresses.mqtt, {
    clientId: id,
    username: id,
    password: Buffer.from(secret),
    ...fields,
  });
  clients.push(client);
  return client;
}

const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, metrics: { t: 21.5 } });
const ackOf = (client: RawClient, messageId: number) =>
  client.next<mqttPacket.IPubackPacket>(
    (p) => (p.cmd === 'puback' || p.cmd === 'pubrec') && p.messageId === messageId,
  );
async function storedSeqs(deviceId: string): Promise<number[]> {
  const result = await harness.database.pool.query<{ seq: string }>(
    'SELECT seq FROM telemetry WHERE device_id = $1 ORDER BY seq',
    [deviceId],
  );
  return result.rows.map((row) => Number(row.seq));
}

beforeAll(async () => {
  harness = await startBroker({ MQTT_MAX_PUBLISH_RATE: '20' });
});
afterAll(() => harness.close());

describe('MQTT 5.0 PUBACK and PUBREC reason codes', () => {
  it('answers a publish the ACL refuses with 0x87 and a reason string, and stays connected [MQTT-3.3.5-2]', async () => {
    const client = await device('refused-1');
    client.send(
      publishPacket({ topic: 'devices/someone-else/telemetry', qos: 1, messageId: 1 }),
      publishPacket({ topic: 'devices/someone-else/telemetry', qos: 2, messageId: 2 }),
    );
    const puback = await ackOf(client, 1);
    const pubrec = await ackOf(client, 2);
    expect([puback.cmd, puback.reasonCode]).toEqual(['puback', 0x87]);
    expect(puback.properties?.reasonString).toMatch(/^TWW_ACL_DENIED: you may not publish/);
    expect([pubrec.cmd, pubrec.reasonCode]).toEqual(['pubrec', 0x87]);
    client.send(
      publishPacket({
        topic: 'devices/refused-1/telemetry',
        payload: Buffer.from(reading(1)),
        qos: 1,
        messageId: 3,
      }),
    );
    expect((await ackOf(client, 3)).reasonCode).toBe(0);
  });

  it('answers invalid telemetry with 0x99 naming the field, and stores nothing', async () => {
    const client = await device('invalid-1');
    const payload = Buffer.from(JSON.stringify({ ts: Date.now(), metrics: { t: 1 } }));
    client.send(
      publishPacket({ topic: 'devices/invalid-1/telemetry', payload, qos: 1, messageId: 1 }),
    );
    const puback = await ackOf(client, 1);
    expect(puback.reasonCode).toBe(0x99);
    expect(puback.properties?.reasonString).toMatch(
      /^TWW_INVALID_PAYLOAD: \/seq: expected integer/,
    );
    expect(await storedSeqs('invalid-1')).toEqual([]);
  });

  it('leaves the reason string out for a client that asked for no problem information [MQTT-3.1.2-29]', async () => {
    const client = await device('quiet-1', { properties: { requestProblemInformation: false } });
    client.send(
      publishPacket({
        topic: 'devices/quiet-1/telemetry',
        payload: Buffer.from('{}'),
        qos: 1,
        messageId: 1,
      }),
    );
    const puback = await ackOf(client, 1);
    expect(puback.reasonCode).toBe(0x99);
    expect(puback.properties?.reasonString).toBeUndefined();
  });

  it('tells a QoS 0 publisher, which has no acknowledgement, on its errors topic as in 3.1.1', async () => {
    const client = await device('qos0-1');
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'devices/qos0-1/errors', qos: 0 }],
    });
    await client.next((p) => p.cmd === 'suback');
    client.send(publishPacket({ topic: 'devices/qos0-1/telemetry', payload: Buffer.from('nope') }));
    const error = await client.next<mqttPacket.IPublishPacket>((p) => p.cmd === 'publish');
    expect(JSON.parse(error.payload.toString())).toMatchObject({ code: 'TWW_INVALID_JSON' });
  });

  it('answers publishes over MQTT_MAX_PUBLISH_RATE with 0x97, and disconnects with 0x97 a client that keeps on', async () => {
    const client = await device('fast-1');
    const burst = Array.from({ length: 60 }, (_, i) =>
      publishPacket({
        topic: 'devices/fast-1/telemetry',
        payload: Buffer.from(reading(i)),
        qos: 1,
        messageId: i + 1,
      }),
    );
    client.send(...burst.slice(0, 30));
    const codes = await Promise.all(
      burst.slice(0, 30).map(async (_, i) => (await ackOf(client, i + 1)).reasonCode),
    );
    // A burst of 20 passes; the bucket refills 20/s, so a slow machine lets one or two more.
    const accepted = codes.filter((code) => code === 0).length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThan(25);
    expect(codes.filter((code) => code === 0x97)).toHaveLength(30 - accepted);
    client.send(...burst.slice(30));
    await client.closed;
    expect(client.received.at(-1)).toMatchObject({ cmd: 'disconnect', reasonCode: 0x97 });
    expect((await storedSeqs('fast-1')).length).toBeGreaterThanOrEqual(accepted);
  });

  it('does not hold the API’s service link to the per-connection rate: it carries every WebSocket device', async () => {
    const client = await rawClient(harness.broker.addresses.mqtt, {
      clientId: 'service/link-rate',
      username: 'service',
      password: Buffer.from(SERVICE_SECRET),
    });
    clients.push(client);
    const burst = Array.from({ length: 60 }, (_, i) =>
      publishPacket({ topic: `devices/fast-2/commands/c${i}`, qos: 1, messageId: i + 1 }),
    );
    client.send(...burst);
    const codes = await Promise.all(
      burst.map(async (_, i) => (await ackOf(client, i + 1)).reasonCode),
    );
    expect(codes.filter((code) => code !== 0)).toEqual([]);
  });
});

describe('MQTT 5.0 SUBACK reason codes', () => {
  it('refuses a filter the ACL denies with 0x87 and a filter deeper than the limit with 0x8F', async () => {
    const client = await device('subscriber-1');
    const deep = Array.from({ length: 101 }, () => 'x').join('/');
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'devices/subscriber-1/commands/#', qos: 1 },
        { topic: 'devices/#', qos: 1 },
        { topic: deep, qos: 0 },
      ],
    });
    const suback = await client.next<mqttPacket.ISubackPacket>((p) => p.cmd === 'suback');
    expect(suback.granted).toEqual([1, 0x87, 0x8f]);
  });
});

describe('the database away', () => {
  it('keeps an MQTT 5.0 publisher waiting for its PUBACK, never a false success, until the reading is stored', async () => {
    const outage = await startBroker({}, { outage: true });
    try {
      const secret = await outage.provision('patient-1');
      const client = await rawClient(outage.broker.addresses.mqtt, {
        clientId: 'patient-1',
        username: 'patient-1',
        password: Buffer.from(secret),
      });
      clients.push(client);
      await outage.outage?.cut();
      client.send(
        publishPacket({
          topic: 'devices/patient-1/telemetry',
          payload: Buffer.from(reading(1)),
          qos: 1,
          messageId: 1,
        }),
      );
      await sleep(1_500);
      expect(client.received.some((p) => p.cmd === 'puback')).toBe(false);
      await outage.outage?.restore();
      const puback = await client.next<mqttPacket.IPubackPacket>((p) => p.cmd === 'puback');
      expect(puback.reasonCode).toBe(0);
    } finally {
      await outage.outage?.restore();
      await outage.close();
    }
  });
});

describe('topics deeper than MQTT_MAX_TOPIC_LEVELS', () => {
  const deep = `devices/${Array.from({ length: 100 }, () => 'x').join('/')}`;

  it('answers an MQTT 5.0 PUBLISH with 0x90, counts and keeps the connection', async () => {
    const client = await device('deep-1');
    client.send(publishPacket({ topic: deep, qos: 1, messageId: 1 }));
    const puback = await ackOf(client, 1);
    expect(puback.reasonCode).toBe(0x90);
    expect(puback.properties?.reasonString).toMatch(/topic has 101 levels; at most 100/);
    const metric = await harness.broker.metrics.topicsTooDeep.get();
    expect(metric.values.find((v) => v.labels.packet === 'publish')?.value).toBeGreaterThan(0);
  });

  it('acknowledges and drops an MQTT 3.1.1 one, and tells the device why', async () => {
    const client = await device('deep-2', { protocolVersion: 4 });
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'devices/deep-2/errors', qos: 0 }],
    });
    await client.next((p) => p.cmd === 'suback');
    client.send(publishPacket({ topic: deep, qos: 1, messageId: 2 }));
    await client.next((p) => p.cmd === 'puback');
    const error = await client.next<mqttPacket.IPublishPacket>((p) => p.cmd === 'publish');
    expect(JSON.parse(error.payload.toString())).toMatchObject({ code: 'TWW_TOPIC_TOO_DEEP' });
  });
});
