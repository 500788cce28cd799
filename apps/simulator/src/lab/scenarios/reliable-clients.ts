/**
 * The senders and receivers of the unreliable-network scenario. Each produces numbered
 * readings at the scenario's pace and reconnects after a drop; they differ only in what
 * they do about messages a dead connection may have swallowed.
 */
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { closeWs } from '../transports.ts';
import { neverLeftTheClient } from '../../devices/never-sent.ts';

const RECONNECT_MS = 250;

export interface Sender {
  sent: number;
  /** Messages sent again after a reconnect (only senders that track acks). */
  resent: number;
  send(seq: number): void;
  /** Nothing left that the sender still owes the receiver. */
  settled(): boolean;
  close(): Promise<void>;
}

/**
 * WebSocket without acknowledgements: readings produced while disconnected wait for the next
 * connection, but a reading handed to a connection that then dies is gone.
 */
export function fireAndForgetWs(url: string): Sender {
  let socket: WebSocket | undefined;
  let closed = false;
  const waiting: Buffer[] = [];
  const connect = () => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.on('open', () => {
      for (const data of waiting.splice(0)) ws.send(data);
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (!closed) setTimeout(connect, RECONNECT_MS);
    });
  };
  connect();
  const sender: Sender = {
    sent: 0,
    resent: 0,
    send(seq) {
      const data = Buffer.alloc(8);
      data.writeUInt32LE(seq, 0);
      sender.sent += 1;
      if (socket?.readyState === WebSocket.OPEN) socket.send(data);
      else waiting.push(data);
    },
    settled: () => waiting.length === 0,
    async close() {
      closed = true;
      if (socket) await closeWs(socket);
    },
  };
  return sender;
}

/**
 * Twinwire's WebSocket device protocol: every telemetry frame stays pending until its `ack`
 * (sent after the commit); after a reconnect every pending frame is sent again. The store is
 * idempotent by (device, ts, seq), so a resend is stored once.
 */
export function ackedDeviceWs(
  url: string,
  deviceId: string,
  secret: string,
): Sender & { errors: number } {
  let socket: WebSocket | undefined;
  let closed = false;
  const pending = new Map<string, string>();
  const authorization = `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`;
  const connect = () => {
    if (closed) return;
    const ws = new WebSocket(url, { headers: { authorization } });
    socket = ws;
    ws.on('open', () => {
      for (const frame of pending.values()) {
        sender.resent += 1;
        ws.send(frame);
      }
    });
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { type: string; id?: string };
      if (frame.type === 'ack' && frame.id !== undefined) pending.delete(frame.id);
      else if (frame.type === 'error') sender.errors += 1;
    });
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (!closed) setTimeout(connect, RECONNECT_MS);
    });
  };
  const sender = {
    sent: 0,
    resent: 0,
    errors: 0,
    send(seq: number) {
      const id = `r${seq}`;
      const frame = JSON.stringify({
        type: 'telemetry',
        id,
        reading: { ts: Date.now(), seq, metrics: { v: seq } },
      });
      pending.set(id, frame);
      sender.sent += 1;
      if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
    },
    settled: () => pending.size === 0,
    async close() {
      closed = true;
      if (socket) await closeWs(socket);
    },
  };
  connect();
  return sender;
}

export interface SequenceReceiver {
  received: number;
  /** Deliveries the broker flagged as a retransmission (DUP). */
  dupFlagged: number;
  unique(): number;
  close(): Promise<void>;
}

/** MQTT with a persistent session (clean: false) on both ends, reconnecting after drops. */
export async function mqttPair(options: {
  url: string;
  topic: string;
  qos: 0 | 1 | 2;
  clientIdPrefix: string;
  auth: { username?: string; password?: string };
}): Promise<{ sender: Sender; receiver: SequenceReceiver }> {
  const common = {
    ...options.auth,
    clean: false,
    reconnectPeriod: RECONNECT_MS,
    keepalive: 10,
    connectTimeout: 5_000,
  };
  const subscriber: MqttClient = await mqtt.connectAsync(options.url, {
    ...common,
    clientId: `${options.clientIdPrefix}-sub`,
  });
  subscriber.on('error', () => undefined);
  const seen = new Set<number>();
  const receiver: SequenceReceiver = {
    received: 0,
    dupFlagged: 0,
    unique: () => seen.size,
    close: () => subscriber.endAsync(true),
  };
  subscriber.on('message', (_topic, payload, packet) => {
    receiver.received += 1;
    if (packet.dup) receiver.dupFlagged += 1;
    seen.add(payload.readUInt32LE(0));
  });
  const [grant] = await subscriber.subscribeAsync(options.topic, { qos: options.qos });
  if (grant === undefined || grant.qos === 128)
    throw new Error(`subscription to ${options.topic} refused`);
  const publisher: MqttClient = await mqtt.connectAsync(options.url, {
    ...common,
    clientId: `${options.clientIdPrefix}-pub`,
  });
  publisher.on('error', () => undefined);
  let unconfirmed = 0;
  let publishesWritten = 0;
  publisher.on('packetsend', (packet) => {
    if (packet.cmd === 'publish') {
      publishesWritten += 1;
      // Every PUBLISH beyond one per reading is a retransmission by the client.
      sender.resent = Math.max(0, publishesWritten - sender.sent);
    }
  });
  const sender: Sender = {
    sent: 0,
    resent: 0,
    send(seq) {
      const payload = Buffer.alloc(8);
      payload.writeUInt32LE(seq, 0);
      sender.sent += 1;
      if (options.qos > 0) unconfirmed += 1;
      const publish = () => {
        publisher.publish(options.topic, payload, { qos: options.qos }, (error) => {
          // Deferred: mqtt.js fails these while draining a queue it would append them to.
          if (options.qos > 0 && neverLeftTheClient(error)) {
            setImmediate(publish);
            return;
          }
          if (options.qos > 0) unconfirmed -= 1;
        });
      };
      publish();
    },
    settled: () => unconfirmed === 0,
    close: () => publisher.endAsync(true),
  };
  return { sender, receiver };
}
