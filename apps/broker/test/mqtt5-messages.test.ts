import { setTimeout as sleep } from 'node:timers/promises';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import type mqttPacket from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishPacket, rawClient, type RawClient } from './helpers/raw-client.ts';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

// What MQTT 5.0 clients rely on in a message's journey, with mqtt.js v5 (and raw packets where
// mqtt.js hides the wire), beside MQTT 3.1.1 clients on the same topics.

let harness: TestBroker;
const raws: RawClient[] = [];
beforeAll(async () => {
  harness = await startBroker();
});
afterAll(() => harness.close());
afterEach(() => {
  for (const raw of raws.splice(0)) raw.end();
});

let names = 0;
function service(options: IClientOptions = {}): Promise<MqttClient> {
  names += 1;
  return harness.connect({
    clientId: `svc-${names}`,
    username: 'service',
    password: SERVICE_SECRET,
    protocolVersion: 5,
    ...options,
  });
}

async function device(id: string, options: IClientOptions = {}): Promise<MqttClient> {
  const secret = await harness.provision(id);
  return harness.connect({
    clientId: id,
    username: id,
    password: secret,
    protocolVersion: 5,
    ...options,
  });
}

function messages(
  client: MqttClient,
): { topic: string; payload: string; packet: IPublishPacket }[] {
  const seen: { topic: string; payload: string; packet: IPublishPacket }[] = [];
  client.on('message', (topic, payload, packet) =>
    seen.push({ topic, payload: payload.toString(), packet }),
  );
  return seen;
}

const reading = (seq: number) => JSON.stringify({ ts: Date.now(), seq, metrics: { t: seq } });

describe('MQTT 3.1.1 and 5.0 side by side', () => {
  it('delivers a v3 publisher’s message to a v5 subscriber and a v5 publisher’s to a v3 subscriber', async () => {
    const v5 = await service();
    const v3 = await service({ protocolVersion: 4 });
    const toV5 = messages(v5);
    const toV3 = messages(v3);
    await v5.subscribeAsync('devices/mixed/commands/from-v3', { qos: 1 });
    await v3.subscribeAsync('devices/mixed/commands/from-v5', { qos: 1 });
    await v3.publishAsync('devices/mixed/commands/from-v3', 'hello v5', { qos: 1 });
    await v5.publishAsync('devices/mixed/commands/from-v5', 'hello v3', {
      qos: 1,
      properties: { userProperties: { lost: 'on v3' }, contentType: 'text/plain' },
    });
    await expect.poll(() => [toV5.length, toV3.length]).toEqual([1, 1]);
    expect(toV5[0]?.payload).toBe('hello v5');
    expect(toV3[0]?.payload).toBe('hello v3');
  });
});

describe('properties pass through untouched', () => {
  it('carries user properties, payload format, content type, response topic and correlation data [MQTT-3.3.2-15..20]', async () => {
    const subscriber = await service();
    const seen = messages(subscriber);
    await subscriber.subscribeAsync('devices/props/commands/+', { qos: 1 });
    const publisher = await service();
    const properties = {
      payloadFormatIndicator: true,
      contentType: 'application/json; charset=utf-8',
      responseTopic: 'devices/props/commands/reboot/ack',
      correlationData: Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef]),
      userProperties: { trace: 'abc', tags: ['a', 'b'] },
    };
    await publisher.publishAsync('devices/props/commands/reboot', '{"id":"1","args":{}}', {
      qos: 1,
      properties,
    });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]?.packet.properties).toMatchObject(properties);
  });

  it('echoes a Subscription Identifier on the messages it matched [MQTT-3.3.4-3]', async () => {
    const subscriber = await service();
    const seen = messages(subscriber);
    await subscriber.subscribeAsync('devices/sid/commands/+', {
      qos: 0,
      properties: { subscriptionIdentifier: 42 },
    });
    await (await service()).publishAsync('devices/sid/commands/x', 'x');
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]?.packet.properties?.subscriptionIdentifier).toBe(42);
  });

  it('puts the identifiers of all overlapping subscriptions on the one copy it sends [MQTT-3.3.4-4]', async () => {
    // Found by the Eclipse Paho interoperability suite (client_test5.py,
    // test_subscribe_identifiers): the copy carried the identifier of one subscription only.
    const subscriber = await service();
    const seen = messages(subscriber);
    await subscriber.subscribeAsync('devices/sids/commands/go', {
      qos: 1,
      properties: { subscriptionIdentifier: 2 },
    });
    await subscriber.subscribeAsync('devices/sids/#', {
      qos: 1,
      properties: { subscriptionIdentifier: 3 },
    });
    await subscriber.subscribeAsync('devices/+/commands/go', { qos: 1 });
    const publisher = await service();
    await publisher.publishAsync('devices/sids/commands/go', 'x', { qos: 1 });
    // A later message on the same subscriptions: every copy of the first has arrived by then.
    await publisher.publishAsync('devices/sids/commands/go', 'end', { qos: 1 });
    await expect.poll(() => seen.some((m) => m.payload === 'end')).toBe(true);

    const copies = seen.filter((m) => m.payload === 'x');
    expect(copies).toHaveLength(1);
    const ids = [copies[0]?.packet.properties?.subscriptionIdentifier].flat();
    expect(ids.sort()).toEqual([2, 3]);
  });

  it('routes a PUBLISH written right behind two SUBSCRIBEs through both subscriptions [MQTT-3.3.4-4]', async () => {
    // The Paho suite's test_subscribe_identifiers writes SUBSCRIBE, SUBSCRIBE, PUBLISH without
    // waiting for the SUBACKs; the broker's subscribe hook answers later than its publish hook,
    // and the PUBLISH was routed before the second subscription existed (identifier 2 only).
    const raw = await rawClient(harness.broker.addresses.mqtt, {
      clientId: 'ordered-sub',
      username: 'service',
      password: Buffer.from(SERVICE_SECRET),
    });
    raws.push(raw);
    raw.send(
      {
        cmd: 'subscribe',
        messageId: 1,
        subscriptions: [{ topic: 'devices/order/commands/go', qos: 1 }],
        properties: { subscriptionIdentifier: 2 },
      },
      {
        cmd: 'subscribe',
        messageId: 2,
        subscriptions: [{ topic: 'devices/order/commands/go/#', qos: 1 }],
        properties: { subscriptionIdentifier: 3 },
      },
      publishPacket({ topic: 'devices/order/commands/go', payload: Buffer.from('x') }),
    );
    const delivered = await raw.next<mqttPacket.IPublishPacket>((p) => p.cmd === 'publish');
    expect([delivered.properties?.subscriptionIdentifier].flat().sort()).toEqual([2, 3]);
  });
});

describe('subscription options', () => {
  it('does not send a client its own messages on a No Local subscription [MQTT-3.8.3-3]', async () => {
    const both = await service();
    const other = await service();
    const toBoth = messages(both);
    const toOther = messages(other);
    await both.subscribeAsync('devices/nl/commands/+', { qos: 1, nl: true });
    await other.subscribeAsync('devices/nl/commands/+', { qos: 1 });
    await both.publishAsync('devices/nl/commands/x', 'mine', { qos: 1 });
    await expect.poll(() => toOther.length).toBe(1);
    await sleep(100);
    expect(toBoth).toEqual([]);
  });

  it('keeps the RETAIN flag as published only with Retain As Published [MQTT-3.3.1-12] [MQTT-3.3.1-13]', async () => {
    const asPublished = await service();
    const plain = await service();
    const kept = messages(asPublished);
    const cleared = messages(plain);
    await asPublished.subscribeAsync('devices/rap/commands/+', { qos: 1, rap: true });
    await plain.subscribeAsync('devices/rap/commands/+', { qos: 1 });
    await (await service()).publishAsync('devices/rap/commands/x', 'r', { qos: 1, retain: true });
    await expect.poll(() => [kept.length, cleared.length]).toEqual([1, 1]);
    expect([kept[0]?.packet.retain, cleared[0]?.packet.retain]).toEqual([true, false]);
  });

  it('sends retained messages on subscribe as Retain Handling says: 0 always, 1 when new, 2 never [MQTT-3.3.1-9..11]', async () => {
    await (await service()).publishAsync('devices/rh/commands/x', 'kept', { qos: 1, retain: true });
    const counts: number[] = [];
    for (const rh of [0, 1, 2] as const) {
      const client = await service();
      const seen = messages(client);
      await client.subscribeAsync('devices/rh/commands/+', { qos: 1, rh });
      await client.subscribeAsync('devices/rh/commands/+', { qos: 1, rh });
      await sleep(150);
      counts.push(seen.length);
    }
    expect(counts).toEqual([2, 1, 0]);
  });
});

describe('topic aliases', () => {
  it('resolves an inbound alias before the ACL and ingest decide [MQTT-3.3.2-12]', async () => {
    const secret = await harness.provision('alias-1');
    const raw = await rawClient(harness.broker.addresses.mqtt, {
      clientId: 'alias-1',
      username: 'alias-1',
      password: Buffer.from(secret),
    });
    raws.push(raw);
    const ack = (messageId: number) =>
      raw.next<mqttPacket.IPubackPacket>((p) => p.cmd === 'puback' && p.messageId === messageId);
    raw.send(
      publishPacket({
        topic: 'devices/alias-1/telemetry',
        payload: Buffer.from(reading(1)),
        qos: 1,
        messageId: 1,
        properties: { topicAlias: 1 },
      }),
      publishPacket({
        topic: '',
        payload: Buffer.from(reading(2)),
        qos: 1,
        messageId: 2,
        properties: { topicAlias: 1 },
      }),
      publishPacket({
        topic: 'devices/alias-2/telemetry',
        payload: Buffer.from(reading(3)),
        qos: 1,
        messageId: 3,
        properties: { topicAlias: 2 },
      }),
      publishPacket({
        topic: '',
        payload: Buffer.from(reading(4)),
        qos: 1,
        messageId: 4,
        properties: { topicAlias: 2 },
      }),
    );
    expect(await Promise.all([1, 2, 3, 4].map(async (id) => (await ack(id)).reasonCode))).toEqual([
      0, 0, 0x87, 0x87,
    ]);
    const stored = await harness.database.pool.query<{ seq: string }>(
      "SELECT seq FROM telemetry WHERE device_id = 'alias-1' ORDER BY seq",
    );
    expect(stored.rows.map((row) => Number(row.seq))).toEqual([1, 2]);
  });

  it('sends a subscriber that offers aliases its repeated topics as aliases [MQTT-3.1.2-26]', async () => {
    const raw = await rawClient(harness.broker.addresses.mqtt, {
      clientId: 'alias-sub',
      username: 'service',
      password: Buffer.from(SERVICE_SECRET),
      properties: { topicAliasMaximum: 4 },
    });
    raws.push(raw);
    raw.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'devices/+/telemetry', qos: 0 }],
    });
    await raw.next((p) => p.cmd === 'suback');
    const publisher = await device('alias-3');
    for (let seq = 1; seq <= 3; seq++)
      await publisher.publishAsync('devices/alias-3/telemetry', reading(seq), { qos: 1 });
    await expect.poll(() => raw.received.filter((p) => p.cmd === 'publish').length).toBe(3);
    const wire = raw.received
      .filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish')
      .map((p) => [p.topic, p.properties?.topicAlias]);
    expect(wire).toEqual([
      ['devices/alias-3/telemetry', 1],
      ['', 1],
      ['', 1],
    ]);
  });
});

describe('request/response', () => {
  it('lets a responder answer on the response topic with the correlation data, where it may publish', async () => {
    const requester = await service();
    const replies = messages(requester);
    await requester.subscribeAsync('devices/responder-1/commands/+/ack', { qos: 1 });
    const responder = await device('responder-1');
    responder.on('message', (_topic, _payload, packet) => {
      const { responseTopic, correlationData } = packet.properties ?? {};
      if (responseTopic)
        responder.publish(responseTopic, '{"id":"1","ok":true}', {
          qos: 1,
          properties: { correlationData },
        });
    });
    await responder.subscribeAsync('devices/responder-1/commands/#', { qos: 1 });
    await requester.publishAsync('devices/responder-1/commands/reboot', '{"id":"1","args":{}}', {
      qos: 1,
      properties: {
        responseTopic: 'devices/responder-1/commands/reboot/ack',
        correlationData: Buffer.from('req-1'),
      },
    });
    await expect.poll(() => replies.length).toBe(1);
    expect(replies[0]?.packet.properties?.correlationData).toEqual(Buffer.from('req-1'));
  });

  it('does not let a response topic reach a topic the responder may not publish to', async () => {
    const watcher = await service();
    const leaked = messages(watcher);
    await watcher.subscribeAsync('devices/victim-1/telemetry', { qos: 1 });
    const responder = await device('responder-2');
    const answered = new Promise<unknown>((resolve) => {
      responder.on('message', (_topic, _payload, packet) => {
        const responseTopic = packet.properties?.responseTopic;
        if (responseTopic)
          responder.publishAsync(responseTopic, reading(1), { qos: 1 }).then(resolve, resolve);
      });
    });
    await responder.subscribeAsync('devices/responder-2/commands/#', { qos: 1 });
    await (
      await service()
    ).publishAsync('devices/responder-2/commands/reboot', '{"id":"2","args":{}}', {
      qos: 1,
      properties: { responseTopic: 'devices/victim-1/telemetry' },
    });
    // mqtt.js rejects a PUBACK with a failure reason code: 0x87, the ACL's answer.
    expect(await answered).toMatchObject({ code: 0x87 });
    await sleep(150);
    expect(leaked).toEqual([]);
  });
});
