import { WebSocket, type RawData } from 'ws';
import type { TelemetryReading } from '@twinwire/schemas/telemetry';
import { limits } from '@twinwire/schemas/limits';
import { parseDeviceServerFrame } from '@twinwire/schemas/validate';
import type { CommandFrame, DeviceClientFrame, ErrorFrame } from '@twinwire/schemas/ws-frames';
import { ReadingLedger } from '../verify/ledger.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import {
  describeError,
  emptyCounters,
  telemetryPayload,
  type ClientTls,
  type CommandHandler,
  type VirtualDevice,
} from './virtual-device.ts';

export interface WsDeviceOptions {
  /** The API's device endpoint: `ws(s)://host:port/ws/device`. */
  url: string;
  deviceId: string;
  secret: string;
  tls?: ClientTls;
  backoff?: BackoffOptions;
  /** A frame not acked this long after it was written is sent again. Default 30 s. */
  ackTimeoutMs?: number;
  onCommand?: CommandHandler;
  ledger?: ReadingLedger;
}

interface PendingFrame {
  text: string;
  seqs: number[];
  /** The connection it was last written to, so a reconnect knows to send it again. */
  writtenOn: WebSocket | undefined;
}

/** The one refusal worth sending the same frame again for: the database did not commit it. */
const RETRYABLE_ERROR = 'TWW_NOT_STORED';

/**
 * A device on the API's WebSocket device protocol (`/ws/device`): Basic credentials on the
 * upgrade, a hello frame, telemetry frames acked by id once committed. WebSocket has no
 * session of its own, so delivery is the application's job: every frame stays pending until
 * its ack, and a reconnect sends the pending frames again in order (the platform stores a
 * reading once whatever it receives twice). Answers command frames with commandAck frames.
 */
export class WsDevice implements VirtualDevice {
  readonly deviceId: string;
  readonly mode = { protocol: 'ws', qos: null } as const;
  readonly ledger: ReadingLedger;
  readonly counters = emptyCounters();
  lastError: string | undefined;
  private socket: WebSocket | undefined;
  private readonly backoff: Backoff;
  private readonly frames = new Map<string, PendingFrame>();
  private pendingReadings = 0;
  private nextFrameId = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping = false;

  constructor(private readonly options: WsDeviceOptions) {
    this.deviceId = options.deviceId;
    this.ledger = options.ledger ?? new ReadingLedger(options.deviceId);
    this.backoff = new Backoff(options.backoff);
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  send(readings: readonly TelemetryReading[]): void {
    if (!this.started || this.stopping || readings.length === 0) return;
    this.nextFrameId += 1;
    const id = String(this.nextFrameId);
    const payload = telemetryPayload(readings);
    const frame: DeviceClientFrame =
      'points' in payload
        ? { type: 'telemetry', id, points: payload.points }
        : { type: 'telemetry', id, reading: payload };
    const pending: PendingFrame = {
      text: JSON.stringify(frame),
      seqs: readings.map((reading) => reading.seq),
      writtenOn: undefined,
    };
    this.frames.set(id, pending);
    this.pendingReadings += pending.seqs.length;
    if (this.connected) this.write(pending);
  }

  pending(): number {
    return this.pendingReadings;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        socket.terminate();
      }, 2_000);
      socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'simulation over');
    });
  }

  private connect(): void {
    const { options } = this;
    const basic = Buffer.from(`${options.deviceId}:${options.secret}`).toString('base64');
    const socket = new WebSocket(options.url, {
      headers: { authorization: `Basic ${basic}` },
      handshakeTimeout: 10_000,
      ...(options.tls ?? {}),
    });
    this.socket = socket;
    let opened = false;
    socket.on('open', () => {
      opened = true;
      this.backoff.reset();
      this.counters.connects += 1;
      socket.send(JSON.stringify({ type: 'hello', protocolVersion: limits.deviceProtocolVersion }));
      // Frames unacked on the last connection, then those never written, in send order.
      for (const pending of this.frames.values()) this.write(pending);
    });
    socket.on('message', (data) => {
      this.onFrame(socket, data);
    });
    socket.on('unexpected-response', (_request, response) => {
      this.counters.errors += 1;
      this.lastError = `upgrade refused: HTTP ${response.statusCode ?? '?'}`;
      socket.terminate();
    });
    socket.on('error', (error) => {
      this.counters.errors += 1;
      this.lastError = describeError(error);
    });
    socket.on('close', () => {
      if (opened && !this.stopping) this.counters.disconnects += 1;
      if (this.stopping || this.retryTimer !== undefined) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (!this.stopping) this.connect();
      }, this.backoff.next());
    });
  }

  private write(pending: PendingFrame): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || pending.writtenOn === socket) return;
    pending.writtenOn = socket;
    socket.send(pending.text);
    this.counters.messagesSent += 1;
    for (const seq of pending.seqs) this.ledger.transmitted(seq);
  }

  private onFrame(socket: WebSocket, data: RawData): void {
    const parsed = parseDeviceServerFrame(toText(data));
    if (!parsed.ok) {
      this.counters.errors += 1;
      this.lastError = `unreadable frame from the server: ${parsed.error.message}`;
      return;
    }
    const frame = parsed.value;
    switch (frame.type) {
      case 'ack':
        this.settle(frame.id, true);
        break;
      case 'error':
        this.onError(socket, frame);
        break;
      case 'command':
        this.answer(socket, frame);
        break;
    }
  }

  private settle(id: string, acked: boolean): void {
    const pending = this.frames.get(id);
    if (!pending) return;
    this.frames.delete(id);
    this.pendingReadings -= pending.seqs.length;
    if (acked) for (const seq of pending.seqs) this.ledger.acked(seq);
  }

  private onError(socket: WebSocket, frame: ErrorFrame): void {
    this.counters.errors += 1;
    this.lastError = `${frame.code}: ${frame.message}`;
    if (frame.id === undefined) return;
    const pending = this.frames.get(frame.id);
    if (!pending) return;
    if (frame.code !== RETRYABLE_ERROR) {
      this.settle(frame.id, false);
      return;
    }
    // Not stored (e.g. a database outage): the server asks for the frame again later.
    const retryInMs = this.backoff.ceilingMs();
    setTimeout(() => {
      if (this.socket === socket && this.frames.get(frame.id ?? '') === pending) {
        pending.writtenOn = undefined;
        this.write(pending);
      }
    }, retryInMs).unref();
  }

  private answer(socket: WebSocket, frame: CommandFrame): void {
    const result = this.options.onCommand?.(frame.name, frame.command.args) ?? null;
    const reply: DeviceClientFrame = {
      type: 'commandAck',
      commandName: frame.name,
      ack: { id: frame.command.id, ok: true, result },
    };
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(reply));
    this.counters.commandsAnswered += 1;
  }
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
