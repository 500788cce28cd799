/**
 * A TCP relay between an MQTT client and the broker that decodes the PUBLISH packets the
 * client writes, so a test sees what went on the wire (not what the client library says it
 * sent). MQTT 5 framing only: fixed header, remaining length, topic, packet id, properties.
 */
import net from 'node:net';

export interface TappedPublish {
  topic: string;
  /** The Topic Alias property (0x23), when the PUBLISH carried one. */
  topicAlias: number | undefined;
  payload: Buffer;
}

export interface MqttTap {
  url: string;
  publishes: TappedPublish[];
  close(): Promise<void>;
}

/** MQTT variable byte integer [MQTT-1.5.5]: the value and the bytes it took. */
function varint(buf: Buffer, at: number): { value: number; bytes: number } | undefined {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const byte = buf[at + i];
    if (byte === undefined) return undefined;
    value += (byte & 0x7f) * 128 ** i;
    if ((byte & 0x80) === 0) return { value, bytes: i + 1 };
  }
  throw new Error('malformed variable byte integer');
}

/** Only the Topic Alias is looked for; anything else in a telemetry PUBLISH ends the search. */
function topicAliasIn(properties: Buffer): number | undefined {
  return properties[0] === 0x23 ? properties.readUInt16BE(1) : undefined;
}

function decodePublish(flags: number, body: Buffer): TappedPublish {
  const qos = (flags >> 1) & 0x03;
  const topicLength = body.readUInt16BE(0);
  const topic = body.subarray(2, 2 + topicLength).toString('utf8');
  let at = 2 + topicLength + (qos > 0 ? 2 : 0);
  const length = varint(body, at);
  if (!length) throw new Error('PUBLISH without a property length');
  at += length.bytes;
  const topicAlias = topicAliasIn(body.subarray(at, at + length.value));
  return { topic, topicAlias, payload: body.subarray(at + length.value) };
}

export async function startMqttTap(brokerUrl: string): Promise<MqttTap> {
  const broker = new URL(brokerUrl);
  const publishes: TappedPublish[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: broker.hostname, port: Number(broker.port) });
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const first = pending[0];
        const length = first === undefined ? undefined : varint(pending, 1);
        if (first === undefined || !length) break;
        const end = 1 + length.bytes + length.value;
        if (pending.length < end) break;
        if (first >> 4 === 3)
          publishes.push(decodePublish(first & 0x0f, pending.subarray(1 + length.bytes, end)));
        pending = pending.subarray(end);
      }
    });
    upstream.pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    publishes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
