import { setTimeout as sleep } from 'node:timers/promises';
import { once } from 'node:events';
import { connect as connectTcp } from 'node:net';
import { createUser } from '@twinwire/db/users';
import type { IConnackPacket, MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from './helpers/refusal.ts';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

// Standard MQTT clients pick their own client ids: users, services and anonymous clients may
// use any, a device's stays the device's, and a session belongs to the principal that made it.

let harness: TestBroker;
let deviceSecret: string;
const olga = { username: 'olga', password: 'olga-password-1' };
const piotr = { username: 'piotr', password: 'piotr-password-1' };

beforeAll(async () => {
  harness = await startBroker({ ALLOW_ANONYMOUS: 'true' });
  deviceSecret = await harness.provision('sensor-1');
  await createUser(harness.database.db, { ...olga, role: 'operator' });
  await createUser(harness.database.db, { ...piotr, role: 'operator' });
});
afterAll(() => harness.close());

/** Connects and resolves with the client and its CONNACK. */
async function connected(
  options: Parameters<TestBroker['connect']>[0],
): Promise<{ client: MqttClient; connack: IConnackPacket }> {
  let connack: IConnackPacket | undefined;
  const client = await harness.connect(options, (c) => {
    c.once('connect', (packet) => (connack = packet));
  });
  return { client, connack: connack as IConnackPacket };
}

const v5 = { protocolVersion: 5 } as const;

describe('client ids of the client’s own choosing', () => {
  it('lets users, services and anonymous clients in under any client id, 3.1.1 and 5.0', async () => {
    const clients = await Promise.all([
      harness.connect({ clientId: 'mqtt-explorer-5f2a', ...olga }),
      harness.connect({ clientId: 'node-red', username: 'service', password: SERVICE_SECRET }),
      harness.connect({ clientId: 'mosq-Ab12Cd', ...v5 }),
      harness.connect({ clientId: 'my/odd client+id', ...piotr, ...v5 }),
    ]);
    expect(clients.every((client) => client.connected)).toBe(true);
  });

  it('keeps a device’s id its own, connected or not: CONNACK 2, MQTT 5.0 0x85 [MQTT-3.1.3-8]', async () => {
    expect(await refusal(harness.mqttUrl, { clientId: 'sensor-1', ...olga })).toBe(2);
    expect(await refusal(harness.mqttUrl, { clientId: 'sensor-1', ...olga, ...v5 })).toBe(0x85);
    expect(await refusal(harness.mqttUrl, { clientId: 'sensor-1', ...v5 })).toBe(0x85);
  });

  it('gives a device CONNACK 2 (0x85) for an id not its own, a zero-length one included', async () => {
    const device = { username: 'sensor-1', password: deviceSecret };
    expect(await refusal(harness.mqttUrl, { clientId: 'not-sensor-1', ...device })).toBe(2);
    expect(await refusal(harness.mqttUrl, { clientId: '', ...device, ...v5 })).toBe(0x85);
  });
});

describe('a session belongs to the principal that created it', () => {
  it('refuses another principal (3.1.1: CONNACK 2, 5.0: 0x85) and keeps the rightful session connected', async () => {
    const rightful = await harness.connect({ clientId: 'shared-laptop', ...olga, ...v5 });
    expect(await refusal(harness.mqttUrl, { clientId: 'shared-laptop', ...piotr })).toBe(2);
    expect(await refusal(harness.mqttUrl, { clientId: 'shared-laptop', ...piotr, ...v5 })).toBe(
      0x85,
    );
    expect(await refusal(harness.mqttUrl, { clientId: 'shared-laptop' })).toBe(2);
    await sleep(100);
    expect(rightful.connected).toBe(true);
    await rightful.subscribeAsync('devices/sensor-1/telemetry');
  });

  it('keeps refusing others while its persistent session is offline, and gives it back to its owner', async () => {
    const first = await harness.connect({ clientId: 'olga-offline', ...olga, clean: false });
    await first.subscribeAsync('devices/+/status', { qos: 1 });
    await first.endAsync();
    expect(await refusal(harness.mqttUrl, { clientId: 'olga-offline', ...piotr })).toBe(2);
    const { connack } = await connected({ clientId: 'olga-offline', ...olga, clean: false });
    expect(connack.sessionPresent).toBe(true);
  });

  it('frees the id once the session ended with its connection', async () => {
    const first = await harness.connect({ clientId: 'hot-desk', ...olga });
    await first.endAsync();
    const second = await harness.connect({ clientId: 'hot-desk', ...piotr });
    expect(second.connected).toBe(true);
  });

  it('lets the same principal take its session over; an MQTT 5.0 client is told 0x8E [MQTT-3.1.4-3]', async () => {
    const old = await harness.connect({ clientId: 'olga-phone', ...olga, ...v5 });
    const disconnected = new Promise<{ reasonCode?: number }>((resolve) => {
      old.once('disconnect', resolve);
    });
    await harness.connect({ clientId: 'olga-phone', ...olga, ...v5 });
    const packet = await disconnected;
    expect(packet.reasonCode).toBe(0x8e);
  });

  it('gives a new device its id even if another principal’s session held it: that session is gone', async () => {
    const squatter = await harness.connect({ clientId: 'sensor-2', ...olga, clean: false });
    await squatter.subscribeAsync('devices/+/status', { qos: 1 });
    await squatter.endAsync();
    const secret = await harness.provision('sensor-2');
    const { connack } = await connected({
      clientId: 'sensor-2',
      username: 'sensor-2',
      password: secret,
      clean: false,
    });
    expect(connack.sessionPresent).toBe(false);
  });
});

describe('zero-length client ids', () => {
  it('assigns one to a clean MQTT 3.1.1 session [MQTT-3.1.3-6]', async () => {
    const client = await harness.connect({ clientId: '', ...olga, clean: true });
    expect(client.connected).toBe(true);
  });

  it('refuses one with a persistent MQTT 3.1.1 session with CONNACK 2 [MQTT-3.1.3-8]', async () => {
    // mqtt.js will not send this CONNECT.
    const socket = connectTcp(harness.broker.addresses.mqtt, '127.0.0.1');
    socket.on('error', () => undefined);
    const parser = mqttPacket.parser();
    const connack = new Promise<mqttPacket.IConnackPacket>((resolve) => {
      parser.once('packet', (packet) => {
        resolve(packet as mqttPacket.IConnackPacket);
      });
    });
    socket.on('data', (data) => parser.parse(data));
    await once(socket, 'connect');
    // CONNECT: "MQTT", level 4, flags 0 (CleanSession 0), keepalive 60, Client Identifier "".
    const zeroLength = Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0, 0, 60, 0, 0]);
    socket.write(zeroLength);
    expect((await connack).returnCode).toBe(2);
    await once(socket, 'close');
  });

  it('tells an MQTT 5.0 client the id it was assigned [MQTT-3.2.2-16]', async () => {
    const { connack } = await connected({ clientId: '', ...olga, ...v5 });
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^aedes_/);
  });
});

describe('MQTT 5.0 CONNACK', () => {
  it('gives the reason codes: bad credentials 0x86, refused will 0x87, client id 0x85 [MQTT-3.2.2-6]', async () => {
    expect(
      await refusal(harness.mqttUrl, { clientId: 'x', username: 'olga', password: 'no', ...v5 }),
    ).toBe(0x86);
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'willful',
        ...olga,
        ...v5,
        will: {
          topic: 'devices/sensor-1/status',
          payload: Buffer.from('x'),
          qos: 0,
          retain: false,
        },
      }),
    ).toBe(0x87);
    expect(await refusal(harness.mqttUrl, { clientId: 'sensor-1', ...olga, ...v5 })).toBe(0x85);
  });

  it('says what the broker allows and enforces [MQTT-3.2.2-16..22]', async () => {
    const { connack } = await connected({ clientId: 'capabilities', ...olga, ...v5 });
    expect(connack.properties).toMatchObject({
      receiveMaximum: 100,
      maximumPacketSize: 256 * 1024,
      topicAliasMaximum: 10,
      sharedSubscriptionAvailable: true,
    });
  });

  it('tells a client with keepalive 0 or above the limit the Server Keep Alive instead of refusing it [MQTT-3.2.2-21]', async () => {
    for (const keepalive of [0, 3600]) {
      const { connack } = await connected({
        clientId: `ka-${keepalive}`,
        ...olga,
        ...v5,
        keepalive,
      });
      expect(connack.properties?.serverKeepAlive).toBe(1200);
    }
    const { connack } = await connected({ clientId: 'ka-60', ...olga, ...v5, keepalive: 60 });
    expect(connack.properties?.serverKeepAlive).toBeUndefined();
  });

  it('refuses a CONNECT over MQTT_MAX_CONNECT_BYTES with 0x95', async () => {
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'huge',
        ...olga,
        ...v5,
        properties: { userProperties: { filler: 'x'.repeat(10_000) } },
      }),
    ).toBe(0x95);
  });

  it('refuses anonymous clients with 0x87 where they are not allowed', async () => {
    const closed = await startBroker();
    try {
      expect(await refusal(closed.mqttUrl, { clientId: 'anon', ...v5 })).toBe(0x87);
    } finally {
      await closed.close();
    }
  });

  it('answers 0x88 while the database is unreachable (fail closed)', async () => {
    const outage = await startBroker({}, { outage: true });
    try {
      const secret = await outage.provision('sensor-9');
      await outage.outage?.cut();
      expect(
        await refusal(outage.mqttUrl, {
          clientId: 'sensor-9',
          username: 'sensor-9',
          password: secret,
          ...v5,
        }),
      ).toBe(0x88);
    } finally {
      await outage.outage?.restore();
      await outage.close();
    }
  });
});
