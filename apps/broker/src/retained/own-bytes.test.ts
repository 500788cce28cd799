import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { keepOwnBytes } from './own-bytes.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** The part of aedes' persistence (untyped in aedes' declarations) these tests read. */
interface RetainedPersistence {
  storeRetained(packet: { payload: Buffer }): Promise<void>;
  createRetainedStream(pattern: string): AsyncIterable<AedesPublishPacket>;
}

const persistenceOf = (aedes: Aedes) =>
  (aedes as unknown as { persistence: RetainedPersistence }).persistence;

async function brokerWithClient(ownBytes: boolean) {
  const aedes = await Aedes.createBroker();
  if (ownBytes) keepOwnBytes(persistenceOf(aedes));
  const server = createServer(aedes.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    reconnectPeriod: 0,
  });
  closers.push(async () => {
    await client.endAsync(true);
    await new Promise<void>((resolve) => {
      aedes.close(() => {
        resolve();
      });
    });
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });
  return { aedes, client };
}

async function storedPayload(aedes: Aedes, topic: string): Promise<Buffer> {
  for await (const packet of persistenceOf(aedes).createRetainedStream(topic)) {
    return packet.payload as Buffer;
  }
  throw new Error(`nothing retained at ${topic}`);
}

async function publishRetained(aedes: Aedes, client: mqtt.MqttClient, topic: string) {
  const stored = once(aedes, 'publish');
  await client.publishAsync(topic, JSON.stringify({ online: true }), { qos: 1, retain: true });
  await stored;
}

describe('keepOwnBytes', () => {
  it('stores a retained payload read off a socket in memory of its own, the same bytes', async () => {
    const { aedes, client } = await brokerWithClient(true);
    await publishRetained(aedes, client, 'devices/d1/status');
    const payload = await storedPayload(aedes, 'devices/d1/status');
    expect(payload.toString()).toBe('{"online":true}');
    expect(payload.buffer.byteLength).toBe(payload.length);
  });

  it('is needed: without it the stored payload is a view into a larger block', async () => {
    const { aedes, client } = await brokerWithClient(false);
    await publishRetained(aedes, client, 'devices/d1/status');
    const payload = await storedPayload(aedes, 'devices/d1/status');
    expect(payload.buffer.byteLength).toBeGreaterThan(payload.length);
  });
});
