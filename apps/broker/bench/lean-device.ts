/**
 * A lean MQTT 3.1.1 device for load generation: connect, publish at QoS 0 or 1, PUBACKs,
 * keepalive and disconnect over one TCP socket, with mqtt-packet doing the encoding and
 * decoding. mqtt.js spends far more CPU per message (stores, queues, per-packet streams),
 * and on a shared machine every core the load generator burns is taken from the broker.
 */
import net from 'node:net';
import {
  generate,
  parser,
  type IConnackPacket,
  type IPublishPacket,
  type Packet,
} from 'mqtt-packet';

export interface LeanDeviceOptions {
  clientId: string;
  username: string;
  password: string;
  /** Seconds; a PINGREQ goes out whenever the device has been quiet for half of it. */
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
}

/** Called once per QoS 1 publish: on its PUBACK, or with the error that closed the connection. */
export type AckCallback = (error?: Error) => void;

const LAST_PACKET_ID = 65_535;
const PINGREQ = generate({ cmd: 'pingreq' });
const DISCONNECT = generate({ cmd: 'disconnect' });
const CONNACK_REFUSALS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};
const ignoreAck: AckCallback = () => undefined;

export class LeanDevice {
  private state: 'connecting' | 'open' | 'closed' = 'connecting';
  private readonly socket: net.Socket;
  private readonly decoder = parser({ protocolVersion: 4 });
  private readonly awaitingAck = new Map<number, AckCallback>();
  private lastPacketId = 0;
  private wroteSincePingCheck = false;
  private pinger: NodeJS.Timeout | undefined;
  private settleHandshake: ((error?: Error) => void) | undefined;
  private failedWith: Error | undefined;

  /** Resolves on CONNACK 0; rejects on a refusal, a socket error or close, or the timeout. */
  static async connect(port: number, options: LeanDeviceOptions): Promise<LeanDevice> {
    const device = new LeanDevice(port, options.clientId);
    await device.handshake(options);
    return device;
  }

  private constructor(
    port: number,
    readonly clientId: string,
  ) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    // Nagle would hold each small packet until the broker's delayed ACK (~40 ms).
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => {
      this.receive(chunk);
    });
    this.socket.on('error', (error) => {
      this.fail(error);
    });
    this.socket.on('close', () => {
      this.fail(new Error(`${clientId}: connection closed`));
    });
    this.decoder.on('packet', (packet) => {
      this.handle(packet);
    });
    this.decoder.on('error', (error: Error) => {
      this.fail(new Error(`${clientId}: malformed stream: ${error.message}`));
    });
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Why the connection closed, unless `end()` closed it. */
  get failure(): Error | undefined {
    return this.failedWith;
  }

  publish(topic: string, payload: string, qos: 0 | 1, onAck: AckCallback = ignoreAck): void {
    if (this.state !== 'open') throw new Error(`${this.clientId}: publish while ${this.state}`);
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      payload,
      qos,
      dup: false,
      retain: false,
    };
    if (qos === 1) packet.messageId = this.reservePacketId(onAck);
    this.write(generate(packet));
  }

  /** Sends DISCONNECT and waits for the socket to close; unacknowledged publishes fail. */
  async end(): Promise<void> {
    if (this.state !== 'closed') {
      this.shutDown(new Error(`${this.clientId}: ended before PUBACK`));
      this.socket.end(DISCONNECT);
    }
    if (!this.socket.closed) await new Promise((resolve) => this.socket.once('close', resolve));
  }

  private handshake(options: LeanDeviceOptions): Promise<void> {
    const keepalive = options.keepaliveSeconds ?? 60;
    const timeoutMs = options.connectTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${this.clientId}: no CONNACK within ${timeoutMs} ms`));
      }, timeoutMs);
      this.settleHandshake = (error) => {
        clearTimeout(timer);
        this.settleHandshake = undefined;
        if (error) reject(error);
        else {
          this.startPinging(keepalive);
          resolve();
        }
      };
      this.write(
        generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: options.clientId,
          username: options.username,
          password: Buffer.from(options.password),
          keepalive,
          clean: true,
        }),
      );
    });
  }

  private receive(chunk: Buffer): void {
    // A chunk often carries several PUBACKs, each releasing a publish: one write for them all.
    this.socket.cork();
    this.decoder.parse(chunk);
    this.socket.uncork();
  }

  private handle(packet: Packet): void {
    // Packets still parsed from a chunk after a failure or `end()` are moot.
    if (this.state === 'closed') return;
    if (packet.cmd === 'puback') this.acknowledge(packet.messageId);
    else if (packet.cmd === 'connack' && this.state === 'connecting') this.accept(packet);
    else if (packet.cmd !== 'pingresp') {
      this.fail(new Error(`${this.clientId}: unexpected ${packet.cmd} packet`));
    }
  }

  private accept(connack: IConnackPacket): void {
    const code = connack.returnCode ?? -1;
    if (code !== 0) {
      const reason = CONNACK_REFUSALS[code] ?? 'unknown return code';
      this.fail(new Error(`${this.clientId}: connection refused, CONNACK ${code} (${reason})`));
      return;
    }
    this.state = 'open';
    this.settleHandshake?.();
  }

  private acknowledge(messageId: number | undefined): void {
    const onAck = messageId === undefined ? undefined : this.awaitingAck.get(messageId);
    if (messageId === undefined || !onAck) {
      this.fail(new Error(`${this.clientId}: PUBACK for packet id ${messageId} not in flight`));
      return;
    }
    this.awaitingAck.delete(messageId);
    onAck();
  }

  /** The next free id after the last one, wrapping from 65535 to 1. */
  private reservePacketId(onAck: AckCallback): number {
    if (this.awaitingAck.size >= LAST_PACKET_ID) {
      throw new Error(`${this.clientId}: all ${LAST_PACKET_ID} packet ids in flight`);
    }
    let id = this.lastPacketId;
    do id = id === LAST_PACKET_ID ? 1 : id + 1;
    while (this.awaitingAck.has(id));
    this.lastPacketId = id;
    this.awaitingAck.set(id, onAck);
    return id;
  }

  /** The broker drops a device silent for 1.5 × keepalive; checking every half keeps it safe. */
  private startPinging(keepaliveSeconds: number): void {
    this.pinger = setInterval(() => {
      if (!this.wroteSincePingCheck) this.socket.write(PINGREQ);
      this.wroteSincePingCheck = false;
    }, keepaliveSeconds * 500).unref();
  }

  private write(packet: Buffer): void {
    this.wroteSincePingCheck = true;
    this.socket.write(packet);
  }

  private fail(error: Error): void {
    // Once closed (a failure or `end()`), later socket errors and the close add nothing.
    if (this.state === 'closed') return;
    this.failedWith = error;
    this.shutDown(error);
    this.socket.destroy();
  }

  private shutDown(error: Error): void {
    this.state = 'closed';
    clearInterval(this.pinger);
    this.settleHandshake?.(error);
    const unacknowledged = [...this.awaitingAck.values()];
    this.awaitingAck.clear();
    for (const onAck of unacknowledged) onAck(error);
  }
}

export async function closeLeanFleet(devices: readonly LeanDevice[]): Promise<void> {
  await Promise.all(devices.map((device) => device.end()));
}

/** Devices whose connection closed under them, and the first reason, for the report. */
export function describeFailures(devices: readonly LeanDevice[]): string | undefined {
  const failed = devices.filter((device) => device.failure);
  if (failed.length === 0) return undefined;
  return `${failed.length} of ${devices.length} devices lost their connection (first: ${failed[0]!.failure!.message})`;
}
