import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { createWebSocketStream } from 'ws';
import type { PacketGuardOptions } from './packet-guard.ts';
import { closeOf, connectRaw, startTestBroker } from '../../test/helpers/transport-broker.ts';
import type { TestBroker } from '../../test/helpers/transport-broker.ts';
import { field, frame } from '../../test/helpers/transport-packets.ts';

// MQTT 5.0 framing through the packet guard: what is valid passes untouched, a violation is
// told to the client with its reason code (CONNACK before the broker's own, else DISCONNECT)
// before the connection closes, and a 3.1.1 client is still just closed.

const V5 = { protocolVersion: 5 } as const;
const teardown: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step();
});

async function broker(options: Partial<PacketGuardOptions> = {}): Promise<TestBroker> {
  const started = await startTestBroker(options, { topicAliasMaximum: 10 });
  teardown.push(() => started.close());
  return started;
}

async function client(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  const connected = await connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    ...options,
  });
  teardown.push(() => connected.endAsync(true));
  return connected;
}

/** Packets read from a socket, as an MQTT 5.0 client parses them. */
function packetsOf(socket: { on(event: 'data', listener: (data: Buffer) => void): unknown }) {
  const parser = mqttPacket.parser(V5);
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  socket.on('data', (data) => parser.parse(data));
  return packets;
}

/**
 * Sends `connect` on a fresh TCP connection and, once the broker answered it, `after`;
 * resolves with everything that came back once the connection closed.
 */
async function exchange(
  port: number,
  connect: Buffer,
  ...after: Buffer[]
): Promise<mqttPacket.Packet[]> {
  const socket: Socket = await connectRaw(port);
  teardown.push(() => {
    socket.destroy();
  });
  const packets = packetsOf(socket);
  socket.write(connect);
  if (after.length > 0) {
    await expect.poll(() => packets.length).toBe(1);
    socket.write(Buffer.concat(after));
  }
  await closeOf(socket, 5_000);
  return packets;
}

const connectV5 = (fields: Partial<mqttPacket.IConnectPacket> = {}) =>
  mqttPacket.generate({ cmd: 'connect', clientId: 'v5', keepalive: 60, ...fields, ...V5 }, V5);

/** A PUBLISH body built by hand: topic, packet id (QoS > 0), raw property bytes, payload. */
function publishV5(topic: string | Buffer, properties: number[], qos = 0): Buffer {
  const packetId = qos > 0 ? [Buffer.from([0, 1])] : [];
  return frame(
    0x30 | (qos << 1),
    field(topic),
    ...packetId,
    Buffer.from([properties.length, ...properties]),
    Buffer.from('payload'),
  );
}

const reasonOf = (packet: mqttPacket.Packet | undefined) =>
  packet && 'reasonCode' in packet ? [packet.cmd, packet.reasonCode] : [packet?.cmd];

describe('MQTT 5.0 through the packet guard', () => {
  it('passes a v5 session with properties, user properties and a topic alias untouched', async () => {
    const { tcpPort, violations } = await broker();
    const subscriber = await client(tcpPort, { clientId: 'sub' });
    await subscriber.subscribeAsync('sensors/+/reading', { qos: 1, nl: true, rh: 0 });
    const publisher = await client(tcpPort, { clientId: 'pub' });
    const received = new Promise<[string, Buffer, mqttPacket.IPublishPacket]>((resolve) => {
      subscriber.once('message', (...message) => {
        resolve(message);
      });
    });
    const properties = {
      payloadFormatIndicator: true,
      contentType: 'application/json',
      responseTopic: 'replies/pub',
      correlationData: Buffer.from([0, 1, 2, 0xff]),
      userProperties: { site: 'Zürich', line: ['a', 'b'] },
      topicAlias: 3,
    };
    await publisher.publishAsync('sensors/1/reading', '{"t":21}', { qos: 1, properties });
    // The alias alone now stands for the topic [MQTT-3.3.2-8]: an empty Topic Name.
    await publisher.publishAsync('', '{"t":22}', { qos: 1, properties: { topicAlias: 3 } });
    const [topic, payload, packet] = await received;
    expect([topic, payload.toString()]).toEqual(['sensors/1/reading', '{"t":21}']);
    expect(packet.properties).toMatchObject({
      contentType: 'application/json',
      responseTopic: 'replies/pub',
      correlationData: Buffer.from([0, 1, 2, 0xff]),
      userProperties: { site: 'Zürich', line: ['a', 'b'] },
    });
    expect(violations).toEqual([]);
  });

  it('answers a PUBLISH over the size limit with DISCONNECT 0x95 and the reason (MQTT 5.0 §3.2.2.3.6)', async () => {
    const { tcpPort, violations } = await broker({ maxPacketBytes: 1024 });
    const big = mqttPacket.generate(
      {
        cmd: 'publish',
        topic: 't',
        payload: Buffer.alloc(2000),
        qos: 0,
        dup: false,
        retain: false,
      },
      V5,
    );
    const refused = await exchange(tcpPort, connectV5({ clientId: 'big' }), big);
    expect(reasonOf(refused.at(-1))).toEqual(['disconnect', 0x95]);
    expect(refused.at(-1)).toMatchObject({
      properties: { reasonString: expect.stringMatching(/exceeds the 1024-byte limit/) as string },
    });
    expect(violations.map((v) => v.code)).toEqual(['PACKET_TOO_LARGE']);
  });

  it('answers an oversized CONNECT with CONNACK 0x95 when its first bytes say MQTT 5.0', async () => {
    const { tcpPort } = await broker({ maxConnectPacketBytes: 256 });
    const packets = await exchange(tcpPort, connectV5({ clientId: 'x'.repeat(300) }));
    expect(packets.map(reasonOf)).toEqual([['connack', 0x95]]);
  });

  it('answers a malformed CONNECT with CONNACK 0x81 before aedes would answer it', async () => {
    const { tcpPort, violations } = await broker();
    const packets = await exchange(tcpPort, connectV5({ clientId: 'nul\u0000' }));
    expect(packets.map(reasonOf)).toEqual([['connack', 0x81]]);
    expect(violations.map((v) => v.code)).toEqual(['NUL_IN_STRING']);
  });

  it('answers with a CONNACK when the violation arrives before the broker answered the CONNECT', async () => {
    const { tcpPort } = await broker();
    const packets = await exchange(tcpPort, Buffer.concat([connectV5(), publishV5('', [])]));
    expect(packets.map(reasonOf)).toEqual([['connack', 0x82]]);
  });

  it('closes a PUBLISH with an empty topic and no alias with DISCONNECT 0x82 [MQTT-3.3.2-8]', async () => {
    const { tcpPort } = await broker();
    const packets = await exchange(tcpPort, connectV5(), publishV5('', []));
    expect(reasonOf(packets.at(-1))).toEqual(['disconnect', 0x82]);
  });

  it('checks strings in properties: ill-formed UTF-8 in a user property is 0x81 [MQTT-1.5.4-1]', async () => {
    const { tcpPort, violations } = await broker();
    // User Property (0x26): name "k", value 0xC3 0x28 (an invalid two-byte sequence)
    const packets = await exchange(
      tcpPort,
      connectV5(),
      publishV5('t', [0x26, 0, 1, 0x6b, 0, 2, 0xc3, 0x28]),
    );
    expect(reasonOf(packets.at(-1))).toEqual(['disconnect', 0x81]);
    expect(violations.map((v) => v.code)).toEqual(['INVALID_UTF8']);
  });

  it('refuses a wildcard Response Topic with 0x90 [MQTT-3.3.2-14] and an unknown property with 0x81', async () => {
    const { tcpPort } = await broker();
    const wildcard = await exchange(
      tcpPort,
      connectV5(),
      publishV5('t', [0x08, 0, 3, 0x61, 0x2f, 0x23]), // Response Topic "a/#"
    );
    expect(reasonOf(wildcard.at(-1))).toEqual(['disconnect', 0x90]);
    const unknown = await exchange(tcpPort, connectV5(), publishV5('t', [0x7f, 0]));
    expect(reasonOf(unknown.at(-1))).toEqual(['disconnect', 0x81]);
  });

  it('refuses reserved subscription option bits and Retain Handling 3 [MQTT-3.8.3-5]', async () => {
    const { tcpPort } = await broker();
    const subscribe = (options: number) =>
      frame(0x82, Buffer.from([0, 1, 0]), field('a/b'), Buffer.from([options]));
    for (const options of [0b0100_0000, 0b0011_0000, 0b0000_0011]) {
      const packets = await exchange(tcpPort, connectV5(), subscribe(options));
      expect(reasonOf(packets.at(-1)), `options ${options}`).toEqual(['disconnect', 0x81]);
    }
    // No Local, Retain As Published, Retain Handling 2, QoS 2: all valid together.
    const socket = await connectRaw(tcpPort);
    teardown.push(() => {
      socket.destroy();
    });
    const packets = packetsOf(socket);
    socket.write(connectV5());
    await expect.poll(() => packets.length).toBe(1);
    socket.write(subscribe(0b0010_1110));
    await expect.poll(() => packets.map((p) => p.cmd)).toEqual(['connack', 'suback']);
  });

  it('reads UNSUBSCRIBE past its properties: an empty filter is 0x82 [MQTT-4.7.3-1]', async () => {
    const { tcpPort, violations } = await broker();
    // Packet Identifier, a User Property, then the filters "a" and "".
    const properties = [0x26, 0, 1, 0x6b, 0, 1, 0x76];
    const unsubscribe = frame(
      0xa2,
      Buffer.from([0, 1, properties.length, ...properties]),
      field('a'),
      field(''),
    );
    const packets = await exchange(tcpPort, connectV5(), unsubscribe);
    expect(reasonOf(packets.at(-1))).toEqual(['disconnect', 0x82]);
    expect(violations.map((v) => v.code)).toEqual(['EMPTY_TOPIC']);
  });

  it('answers AUTH with DISCONNECT 0x82: enhanced authentication is not offered (MQTT 5.0 §4.12)', async () => {
    const { tcpPort, violations } = await broker();
    const packets = await exchange(tcpPort, connectV5(), frame(0xf0, Buffer.from([0x18, 0])));
    expect(reasonOf(packets.at(-1))).toEqual(['disconnect', 0x82]);
    expect(violations.map((v) => v.code)).toEqual(['UNEXPECTED_AUTH']);
  });

  it('leaves the Reason String out when it would pass the client’s Maximum Packet Size [MQTT-3.1.2-25]', async () => {
    const { tcpPort } = await broker({ maxPacketBytes: 1024 });
    const big = mqttPacket.generate(
      {
        cmd: 'publish',
        topic: 't',
        payload: Buffer.alloc(2000),
        qos: 0,
        dup: false,
        retain: false,
      },
      V5,
    );
    const packets = await exchange(
      tcpPort,
      connectV5({ properties: { maximumPacketSize: 16 } }),
      big,
    );
    expect(packets.at(-1)).toMatchObject({ cmd: 'disconnect', reasonCode: 0x95 });
    expect(packets.at(-1)).not.toHaveProperty('properties.reasonString');
  });

  it('tells a WebSocket client too, in a binary frame, then closes', async () => {
    const { wsUrl } = await broker({ maxPacketBytes: 1024 });
    const ws = new WebSocket(wsUrl, 'mqtt');
    await once(ws, 'open');
    const stream = createWebSocketStream(ws);
    stream.on('error', () => undefined);
    teardown.push(() => {
      ws.terminate();
    });
    const packets = packetsOf(stream);
    stream.write(connectV5());
    await expect.poll(() => packets.length).toBe(1);
    stream.write(publishV5('t', [0x7f, 0]));
    await once(ws, 'close');
    expect(packets.map(reasonOf)).toEqual([
      ['connack', 0],
      ['disconnect', 0x81],
    ]);
  });
});

describe('MQTT 3.1.1 through the packet guard', () => {
  it('still closes without a word: 3.1.1 has no packet to say it, and AUTH is a reserved type', async () => {
    const { tcpPort, violations } = await broker();
    const connect = mqttPacket.generate({
      cmd: 'connect',
      protocolVersion: 4,
      clientId: 'v3',
      keepalive: 60,
    });
    const packets = await exchange(tcpPort, connect, frame(0xf0, Buffer.from([])));
    expect(packets.map((p) => p.cmd)).toEqual(['connack']);
    expect(violations.map((v) => v.code)).toEqual(['RESERVED_PACKET_TYPE']);
  });

  it('refuses a SUBSCRIBE whose requested QoS byte is 3 or has reserved bits [MQTT-3.8.3-4]', async () => {
    const { tcpPort, violations } = await broker();
    const connect = mqttPacket.generate({ cmd: 'connect', clientId: 'v3', keepalive: 60 });
    await exchange(
      tcpPort,
      connect,
      frame(0x82, Buffer.from([0, 1]), field('a'), Buffer.from([3])),
    );
    await exchange(
      tcpPort,
      connect,
      frame(0x82, Buffer.from([0, 1]), field('a'), Buffer.from([4])),
    );
    expect(violations.map((v) => v.code)).toEqual([
      'INVALID_SUBSCRIPTION_OPTIONS',
      'INVALID_SUBSCRIPTION_OPTIONS',
    ]);
  });
});
