import { once } from 'node:events';
import { connect } from 'node:net';
import mqttPacket from 'mqtt-packet';

export interface RawClient {
  /** Every packet received so far, in order. */
  received: mqttPacket.Packet[];
  /** Sends packets, all in one socket write. */
  send(...packets: mqttPacket.Packet[]): void;
  /** Resolves with the first packet received (so far or later) that `matches`. */
  next<T extends mqttPacket.Packet>(matches: (packet: mqttPacket.Packet) => boolean): Promise<T>;
  /** Resolves when the connection has closed. */
  closed: Promise<void>;
  /** Stops reading from the socket: the broker's writes to it back up. */
  pause(): void;
  end(): void;
}

/**
 * An MQTT client that sends what it is told, packet by packet, and records everything it
 * receives: for what mqtt.js would not send or would hide (reason codes, properties, bursts).
 * Connects and waits for the CONNACK; `connect` overrides the CONNECT's fields.
 */
export async function rawClient(
  port: number,
  connectFields: Partial<mqttPacket.IConnectPacket> = {},
  timeoutMs = 5_000,
): Promise<RawClient> {
  const protocolVersion = connectFields.protocolVersion ?? 5;
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const parser = mqttPacket.parser({ protocolVersion });
  const received: mqttPacket.Packet[] = [];
  const waiters = new Set<() => void>();
  parser.on('packet', (packet) => {
    received.push(packet);
    for (const waiter of [...waiters]) waiter();
  });
  socket.on('data', (data) => parser.parse(data));
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');

  const send = (...packets: mqttPacket.Packet[]) => {
    socket.write(Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion }))));
  };
  const next = <T extends mqttPacket.Packet>(matches: (packet: mqttPacket.Packet) => boolean) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such packet; received ${received.map((p) => p.cmd).join(', ')}`));
      }, timeoutMs);
      const check = () => {
        const found = received.find(matches);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found as T);
      };
      waiters.add(check);
      check();
    });

  send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion,
    clean: true,
    clientId: 'raw',
    keepalive: 60,
    ...connectFields,
  });
  await next((packet) => packet.cmd === 'connack');
  return {
    received,
    send,
    next,
    closed,
    pause: () => {
      socket.pause();
    },
    end: () => {
      socket.destroy();
    },
  };
}

/** A PUBLISH with what tests usually leave at its default. */
export function publishPacket(
  fields: Partial<mqttPacket.IPublishPacket> & { topic: string },
): mqttPacket.IPublishPacket {
  return {
    cmd: 'publish',
    payload: Buffer.alloc(0),
    qos: 0,
    dup: false,
    retain: false,
    ...fields,
  };
}
