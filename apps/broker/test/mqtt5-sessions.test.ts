import { aclRules } from '@twinwire/db/schema';
import type { IConnackPacket, IPublishPacket } from 'mqtt';
import type mqttPacket from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publishPacket, rawClient, type RawClient } from './helpers/raw-client.ts';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';
import { setTimeout as sleep } from 'node:timers/promises';

// MQTT 5.0 sessions, message lifetimes, wills and the broker's own DISCONNECTs, on one broker
// (sessions in its memory; clusters: test/process/cluster-v5.test.ts).

let harness: TestBroker;
const raws: RawClient[] = [];
beforeAll(async () => {
  harness = await startBroker({ MQTT_RECEIVE_MAXIMUM: '3' });
});
afterAll(() => harness.close());
afterEach(() => {
  for (const raw of raws.splice(0)) raw.end();
});

/**
 * A v5 service client; resolves with it, its CONNACK and the messages it receives (counted
 * from before CONNECT: a resumed session's queue may arrive with the CONNACK).
 */
async function service(clientId: string, properties: Record<string, unknown> = {}, clean = true) {
  let connack: IConnackPacket | undefined;
  const seen: IPublishPacket[] = [];
  const client = await harness.connect(
    {
      clientId,
      username: 'service',
      password: SERVICE_SECRET,
      protocolVersion: 5,
      clean,
      properties,
    },
    (c) => {
      c.once('connect', (packet) => (connack = packet));
      c.on('message', (_topic, _payload, packet) => seen.push(packet));
    },
  );
  return { client, connack: connack as IConnackPacket, seen };
}

describe('session expiry [MQTT-3.1.2-23]', () => {
  it('keeps a session, with what was queued for it, until its expiry interval has passed', async () => {
    const first = await service('expiring-1', { sessionExpiryInterval: 5 }, false);
    await first.client.subscribeAsync('devices/expiring/commands/+', { qos: 1 });
    await first.client.endAsync();
    const { client: publisher } = await service('expiring-pub');
    await publisher.publishAsync('devices/expiring/commands/x', 'while away', { qos: 1 });
    const { connack, seen } = await service('expiring-1', {}, false);
    expect(connack.sessionPresent).toBe(true);
    await expect.poll(() => seen.map((p) => p.payload.toString())).toEqual(['while away']);
  });

  it('ends a session once its expiry interval has passed: a new one, nothing queued', async () => {
    const first = await service('expiring-2', { sessionExpiryInterval: 1 }, false);
    await first.client.subscribeAsync('devices/expiring/commands/+', { qos: 1 });
    await first.client.endAsync();
    await sleep(1_500);
    const again = await service('expiring-2', { sessionExpiryInterval: 1 }, false);
    expect(again.connack.sessionPresent).toBe(false);
  });

  it('ends a session with its connection when the client asked for no expiry', async () => {
    const first = await service('expiring-3', {}, false);
    await first.client.subscribeAsync('devices/expiring/commands/+', { qos: 1 });
    await first.client.endAsync();
    expect((await service('expiring-3', {}, false)).connack.sessionPresent).toBe(false);
  });
});

describe('message expiry [MQTT-3.3.2-5] [MQTT-3.3.2-6]', () => {
  it('counts the interval down while a message is queued, and drops one whose interval ran out', async () => {
    const first = await service('queue-1', { sessionExpiryInterval: 60 }, false);
    await first.client.subscribeAsync('devices/expiry/commands/+', { qos: 1 });
    await first.client.endAsync();
    const { client: publisher } = await service('queue-pub');
    await publisher.publishAsync('devices/expiry/commands/long', 'long', {
      qos: 1,
      properties: { messageExpiryInterval: 10 },
    });
    await publisher.publishAsync('devices/expiry/commands/short', 'short', {
      qos: 1,
      properties: { messageExpiryInterval: 1 },
    });
    await sleep(2_100);
    const { seen } = await service('queue-1', {}, false);
    await expect.poll(() => seen.length).toBe(1);
    await sleep(100);
    expect(seen.map((p) => p.payload.toString())).toEqual(['long']);
    expect(seen[0]?.properties?.messageExpiryInterval).toBeLessThanOrEqual(8);
  });
});

describe('will delay [MQTT-3.1.3-9]', () => {
  async function deviceWithWill(id: string, willDelayInterval: number) {
    const secret = await harness.provision(id);
    const raw = await rawClient(harness.broker.addresses.mqtt, {
      clientId: id,
      username: id,
      password: Buffer.from(secret),
      properties: { sessionExpiryInterval: 30 },
      will: {
        topic: `devices/${id}/commands/gone/ack`,
        payload: Buffer.from('{"id":"will","ok":false}'),
        qos: 1,
        retain: false,
        properties: { willDelayInterval },
      },
    });
    raws.push(raw);
    return { raw, secret };
  }

  it('publishes the will once the delay has passed, not when the connection drops', async () => {
    const { client: watcher, seen: wills } = await service('will-watch-1');
    await watcher.subscribeAsync('devices/will-1/commands/+/ack', { qos: 1 });
    const { raw } = await deviceWithWill('will-1', 1);
    raw.end();
    await sleep(500);
    expect(wills).toEqual([]);
    await expect.poll(() => wills.length, { timeout: 3_000 }).toBe(1);
  });

  it('drops the will when the client reconnects within the delay', async () => {
    const { client: watcher, seen: wills } = await service('will-watch-2');
    await watcher.subscribeAsync('devices/will-2/commands/+/ack', { qos: 1 });
    const { raw, secret } = await deviceWithWill('will-2', 2);
    raw.end();
    await sleep(300);
    raws.push(
      await rawClient(harness.broker.addresses.mqtt, {
        clientId: 'will-2',
        username: 'will-2',
        password: Buffer.from(secret),
        clean: false,
      }),
    );
    await sleep(2_500);
    expect(wills).toEqual([]);
  });

  it('asks the ACL again when the delay is over: a will its device may no longer publish is not published', async () => {
    const { client: watcher, seen: wills } = await service('will-watch-3');
    await watcher.subscribeAsync('devices/will-3/commands/+/ack', { qos: 1 });
    const { raw } = await deviceWithWill('will-3', 1);
    raw.end();
    await harness.database.db.insert(aclRules).values({
      effect: 'deny',
      action: 'publish',
      topic: 'devices/will-3/#',
      principalKind: 'device',
      principalId: 'will-3',
    });
    await sleep(2_500);
    expect(wills).toEqual([]);
  });
});

describe('the broker’s own DISCONNECT', () => {
  it('sends 0x8D when a client’s keep alive runs out [MQTT-3.1.2-22]', async () => {
    const raw = await rawClient(harness.broker.addresses.mqtt, {
      clientId: 'sleepy',
      username: 'service',
      password: Buffer.from(SERVICE_SECRET),
      keepalive: 1,
    });
    raws.push(raw);
    await raw.closed;
    expect(raw.received.at(-1)).toMatchObject({ cmd: 'disconnect', reasonCode: 0x8d });
  });

  it('sends 0x93 past MQTT_RECEIVE_MAXIMUM, after every PUBACK the earlier publishes earned [MQTT-3.3.4-9]', async () => {
    const secret = await harness.provision('eager-1');
    const raw = await rawClient(harness.broker.addresses.mqtt, {
      clientId: 'eager-1',
      username: 'eager-1',
      password: Buffer.from(secret),
    });
    raws.push(raw);
    expect((raw.received[0] as mqttPacket.IConnackPacket).properties?.receiveMaximum).toBe(3);
    raw.send(
      ...[1, 2, 3, 4, 5].map((seq) =>
        publishPacket({
          topic: 'devices/eager-1/telemetry',
          payload: Buffer.from(JSON.stringify({ ts: Date.now(), seq, metrics: { t: seq } })),
          qos: 1,
          messageId: seq,
        }),
      ),
    );
    await raw.closed;
    expect(
      raw.received
        .slice(1)
        .map((p) => [
          p.cmd,
          'messageId' in p ? p.messageId : (p as mqttPacket.IDisconnectPacket).reasonCode,
        ]),
    ).toEqual([
      ['puback', 1],
      ['puback', 2],
      ['puback', 3],
      ['disconnect', 0x93],
    ]);
  });
});
