/**
 * The floor for any MQTT broker on Node: a relay that frames MQTT 3.1.1 packets by their
 * fixed header and does nothing else a broker must (no topic matching, sessions, auth or
 * packet objects). CONNECT gets CONNACK, SUBSCRIBE gets SUBACK (QoS 1 granted), PINGREQ gets
 * PINGRESP; every PUBLISH goes byte for byte to every subscriber, a QoS 1 one with a packet
 * id of the relay's own and a PUBACK to its publisher. Enough protocol for the routing bench
 * and nothing more: what Node's own socket I/O costs per message at a given rate.
 */
import { createServer, type Server, type Socket } from 'node:net';

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

export function createNodeRelay(): Server {
  const subscribers = new Set<Socket>();
  let nextPacketId = 1;

  function deliver(frame: Buffer, headerBytes: number): void {
    const qos = (frame[0]! >> 1) & 3;
    for (const subscriber of subscribers) {
      if (qos === 0) {
        subscriber.write(frame);
        continue;
      }
      const copy = Buffer.from(frame);
      const topicLength = copy.readUInt16BE(headerBytes);
      copy.writeUInt16BE(nextPacketId, headerBytes + 2 + topicLength);
      nextPacketId = nextPacketId === 0xffff ? 1 : nextPacketId + 1;
      subscriber.write(copy);
    }
  }

  function handle(socket: Socket, frame: Buffer, headerBytes: number): void {
    switch (frame[0]! >> 4) {
      case 1:
        socket.write(CONNACK);
        return;
      case 3: {
        deliver(frame, headerBytes);
        if (((frame[0]! >> 1) & 3) === 1) {
          const topicLength = frame.readUInt16BE(headerBytes);
          const at = headerBytes + 2 + topicLength;
          socket.write(Buffer.from([0x40, 0x02, frame[at]!, frame[at + 1]!]));
        }
        return;
      }
      case 8:
        subscribers.add(socket);
        socket.write(Buffer.from([0x90, 0x03, frame[headerBytes]!, frame[headerBytes + 1]!, 1]));
        return;
      case 12:
        socket.write(PINGRESP);
        return;
      case 14:
        socket.end();
        return;
      default:
        return; // PUBACK from a subscriber, UNSUBSCRIBE…: nothing the bench needs
    }
  }

  return createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const frame = nextFrame(data);
        if (!frame) break;
        handle(socket, data.subarray(0, frame.end), frame.headerBytes);
        data = data.subarray(frame.end);
      }
      pending = data;
    });
    socket.on('close', () => subscribers.delete(socket));
    socket.on('error', () => socket.destroy());
  });
}

/** The first whole packet in `data`: its length and its fixed header's. */
function nextFrame(data: Buffer): { end: number; headerBytes: number } | undefined {
  let length = 0;
  for (let index = 1; index < 5 && index < data.length; index++) {
    const byte = data[index]!;
    length += (byte & 0x7f) * 128 ** (index - 1);
    if (byte < 0x80) {
      const end = index + 1 + length;
      return end <= data.length ? { end, headerBytes: index + 1 } : undefined;
    }
  }
  return undefined;
}
