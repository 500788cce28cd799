import { readFileSync } from 'node:fs';
import { tlsFixtures } from '@twinwire/testing/tls-fixtures';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';

// MQTT 5.0 and 3.1.1 on every listener, side by side: TCP, TLS, and WebSocket at /mqtt
// (subprotocol `mqtt` [MQTT-6.0.0-3]).

let harness: TestBroker;
const clients: MqttClient[] = [];
beforeAll(async () => {
  harness = await startBroker({
    TLS_CERT: tlsFixtures.cert,
    TLS_KEY: tlsFixtures.key,
  });
});
afterAll(() => harness.close());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});

type Transport = 'tcp' | 'tls' | 'ws';

function urlOf(transport: Transport): string {
  const { mqtt: tcp, tls, ws } = harness.broker.addresses;
  if (transport === 'tcp') return `mqtt://127.0.0.1:${tcp}`;
  if (transport === 'tls') return `mqtts://127.0.0.1:${tls ?? 0}`;
  return `ws://127.0.0.1:${ws}/mqtt`;
}

async function connectOver(transport: Transport, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(urlOf(transport), {
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    username: 'service',
    password: SERVICE_SECRET,
    ca: readFileSync(tlsFixtures.ca),
    ...options,
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => {
      resolve();
    });
    client.once('error', reject);
  });
  return client;
}

const transports: Transport[] = ['tcp', 'tls', 'ws'];

describe.each(transports)('over %s', (transport) => {
  it('carries an MQTT 5.0 publish with its properties to MQTT 5.0 and 3.1.1 subscribers on every listener', async () => {
    const topic = `devices/over-${transport}/commands/ping`;
    const subscribers = await Promise.all(
      transports.flatMap((on) =>
        ([4, 5] as const).map((protocolVersion) =>
          connectOver(on, {
            clientId: `sub-${transport}-${on}-${protocolVersion}`,
            protocolVersion,
          }),
        ),
      ),
    );
    const received: (IPublishPacket | undefined)[] = subscribers.map(() => undefined);
    await Promise.all(
      subscribers.map(async (subscriber, index) => {
        subscriber.on('message', (_topic, _payload, packet) => {
          received[index] = packet;
        });
        await subscriber.subscribeAsync(topic, { qos: 1 });
      }),
    );
    const publisher = await connectOver(transport, {
      clientId: `pub-${transport}`,
      protocolVersion: 5,
    });
    await publisher.publishAsync(topic, 'ping', {
      qos: 1,
      properties: { userProperties: { via: transport }, correlationData: Buffer.from('c-1') },
    });
    await expect.poll(() => received.every((packet) => packet !== undefined)).toBe(true);
    for (const [index, packet] of received.entries()) {
      expect(packet?.payload.toString()).toBe('ping');
      // Subscribers alternate 3.1.1, 5.0: only the 5.0 ones can be given the properties.
      if (index % 2 === 1)
        expect(packet?.properties).toMatchObject({
          userProperties: { via: transport },
          correlationData: Buffer.from('c-1'),
        });
      else expect(packet?.properties).toBeUndefined();
    }
  });
});
