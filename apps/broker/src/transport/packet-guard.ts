import { Transform } from 'node:stream';
import type { Duplex, TransformCallback } from 'node:stream';
import {
  AUTH,
  CONNECT,
  INCOMPLETE,
  MALFORMED,
  MAX_HEADER_LENGTH,
  PUBLISH,
  SUBSCRIBE,
  UNSUBSCRIBE,
  checkPacketTypeAndFlags,
  parseFixedHeader,
} from './fixed-header.ts';
import type { FixedHeader } from './fixed-header.ts';
import { GuardedConnection } from './guarded-connection.ts';
import { describeViolation, GuardViolationError, reasonCodeOf } from './guard-violation.ts';
import type { GuardViolation, GuardViolationCode } from './guard-violation.ts';
import {
  checkConnectBody,
  checkFiltersBody,
  checkPublishBody,
  MQTT_5,
  peekProtocolLevel,
} from './packet-body.ts';
import type { ConnectInfo } from './packet-body.ts';
import { TokenBucket } from './token-bucket.ts';

export interface PacketGuardOptions {
  /** Largest packet accepted once connected, fixed header included. */
  maxPacketBytes: number;
  /** Largest CONNECT accepted, fixed header included. */
  maxConnectPacketBytes: number;
  /**
   * Per MQTT 3.1.1 connection, with a burst of the same size; 0 or undefined means unlimited.
   * MQTT 5.0 connections are not paced: they can be told (PUBACK 0x97), by the broker's hooks.
   */
  maxPublishesPerSecond?: number;
  /** Called once, before the connection is destroyed with a `GuardViolationError`. */
  onViolation?: (violation: GuardViolation) => void;
}

/**
 * Sits between a client's byte stream and aedes: frames MQTT 3.1.1 and 5.0 packets, rejects
 * what aedes would let through or buffer without bound, and paces PUBLISH packets. Whole runs
 * of packets pass through as slices of the incoming chunk; a packet is copied only when it
 * spans chunks. A violation destroys the stream with a `GuardViolationError`, which for an
 * MQTT 5.0 client carries the reason code to tell it.
 */
export class PacketGuard extends Transform {
  readonly #options: PacketGuardOptions;
  readonly #bucket: TokenBucket | null;
  readonly #header: FixedHeader = { type: 0, flags: 0, headerLength: 0, remainingLength: 0 };
  #connected = false;
  /** What the CONNECT said: the client's MQTT version and the largest packet it accepts. */
  readonly #connect: ConnectInfo = { protocolLevel: 0, maximumPacketSize: 0 };
  /** The start of a packet whose bytes span chunks: its pieces so far, and its length once known. */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  #packetLength = 0;
  /** The first bytes of a pending packet whose fixed header is still incomplete. */
  readonly #headerBytes = Buffer.alloc(MAX_HEADER_LENGTH);
  #paceTimer: NodeJS.Timeout | null = null;

  constructor(options: PacketGuardOptions) {
    super();
    this.#options = options;
    const rate = options.maxPublishesPerSecond ?? 0;
    this.#bucket = rate > 0 ? new TokenBucket(rate, performance.now()) : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#pendingLength === 0) this.#scan(chunk, 0, callback);
    else this.#continuePending(chunk, callback);
  }

  override _flush(callback: TransformCallback): void {
    // A packet cut short by the end of the stream never reaches aedes.
    this.#pending = [];
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#paceTimer !== null) clearTimeout(this.#paceTimer);
    this.#pending = [];
    callback(error);
  }

  /** Passes the complete packets in `chunk[start..]` and keeps a trailing partial one. */
  #scan(chunk: Buffer, start: number, done: TransformCallback): void {
    const header = this.#header;
    // Packets of one chunk arrived together: one clock read paces them all.
    let now = -1;
    let offset = start;
    while (offset < chunk.length) {
      const headerLength = parseFixedHeader(chunk, offset, chunk.length, header);
      if (headerLength === MALFORMED) {
        this.#reject('MALFORMED_REMAINING_LENGTH');
        return;
      }
      if (headerLength === INCOMPLETE) {
        this.#pushSlice(chunk, start, offset);
        this.#keepPartial(chunk, offset, 0);
        done();
        return;
      }
      const headerCode = this.#checkHeader(header);
      if (headerCode !== null) {
        // An oversized CONNECT is judged before its body is read; its first bytes, when they
        // came with the header, say whether the client speaks MQTT 5.0 and can be told.
        if (headerCode === 'CONNECT_TOO_LARGE')
          this.#connect.protocolLevel = peekProtocolLevel(
            chunk,
            offset + headerLength,
            chunk.length,
          );
        this.#reject(headerCode);
        return;
      }
      const end = offset + headerLength + header.remainingLength;
      if (end > chunk.length) {
        this.#pushSlice(chunk, start, offset);
        this.#keepPartial(chunk, offset, end - offset);
        done();
        return;
      }
      const bodyCode = this.#checkBody(header, chunk, offset + headerLength, end);
      if (bodyCode !== null) {
        this.#reject(bodyCode);
        return;
      }
      if (
        header.type === PUBLISH &&
        this.#bucket !== null &&
        this.#connect.protocolLevel !== MQTT_5
      ) {
        if (now < 0) now = performance.now();
        if (!this.#bucket.take(now)) {
          this.#pushSlice(chunk, start, offset);
          this.#pace(chunk, offset, done, this.#bucket.msUntilToken());
          return;
        }
      }
      if (header.type === CONNECT) this.#connected = true;
      offset = end;
    }
    this.#pushSlice(chunk, start, offset);
    done();
  }

  /** Feeds `chunk` to a packet that began in an earlier chunk. */
  #continuePending(chunk: Buffer, done: TransformCallback): void {
    if (this.#packetLength === 0) {
      // The size limit is judged from the header alone, before the body is buffered.
      const filled = this.#pendingLength;
      const copied = chunk.copy(this.#headerBytes, filled, 0, MAX_HEADER_LENGTH - filled);
      const headerLength = parseFixedHeader(this.#headerBytes, 0, filled + copied, this.#header);
      if (headerLength === MALFORMED) {
        this.#reject('MALFORMED_REMAINING_LENGTH');
        return;
      }
      if (headerLength === INCOMPLETE) {
        this.#pending.push(chunk);
        this.#pendingLength += chunk.length;
        done();
        return;
      }
      const headerCode = this.#checkHeader(this.#header);
      if (headerCode !== null) {
        this.#reject(headerCode);
        return;
      }
      this.#packetLength = headerLength + this.#header.remainingLength;
    }
    const missing = this.#packetLength - this.#pendingLength;
    if (chunk.length < missing) {
      this.#pending.push(chunk);
      this.#pendingLength += chunk.length;
      done();
      return;
    }
    this.#pending.push(chunk.subarray(0, missing));
    const packet = Buffer.concat(this.#pending, this.#packetLength);
    this.#pending = [];
    this.#pendingLength = 0;
    this.#packetLength = 0;
    // The assembled packet goes through the same checks and pacing as any other.
    this.#scan(packet, 0, () => {
      this.#scan(chunk, missing, done);
    });
  }

  #keepPartial(chunk: Buffer, offset: number, packetLength: number): void {
    const tail = chunk.subarray(offset);
    this.#pending.push(tail);
    this.#pendingLength = tail.length;
    this.#packetLength = packetLength;
    if (packetLength === 0) tail.copy(this.#headerBytes);
  }

  #pushSlice(chunk: Buffer, start: number, end: number): void {
    if (end === start) return;
    this.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
  }

  /**
   * Holds the rest of `chunk` until a token is due. The transform callback waits with it,
   * so the writable side fills and the socket is paused: TCP back-pressure slows the
   * client instead of disconnecting it.
   */
  #pace(chunk: Buffer, offset: number, done: TransformCallback, delayMs: number): void {
    this.#paceTimer = setTimeout(() => {
      this.#paceTimer = null;
      this.#scan(chunk, offset, done);
    }, delayMs);
  }

  #checkHeader(header: FixedHeader): GuardViolationCode | null {
    const { type } = header;
    const level = this.#connect.protocolLevel;
    const typeCode = checkPacketTypeAndFlags(type, header.flags, level);
    if (typeCode !== null) return typeCode;
    if (!this.#connected) {
      // [MQTT-3.1.0-1] the first packet from the client must be CONNECT.
      if (type !== CONNECT) return 'FIRST_PACKET_NOT_CONNECT';
      if (header.headerLength + header.remainingLength > this.#options.maxConnectPacketBytes) {
        return 'CONNECT_TOO_LARGE';
      }
      return null;
    }
    // [MQTT-3.1.0-2] a second CONNECT is a protocol violation.
    if (type === CONNECT) return 'SECOND_CONNECT';
    // MQTT 5.0 §4.12: AUTH follows a CONNECT with an Authentication Method, which the broker
    // refuses (CONNACK 0x8C): enhanced authentication is not offered, so AUTH never fits.
    if (type === AUTH) return 'UNEXPECTED_AUTH';
    if (header.headerLength + header.remainingLength > this.#options.maxPacketBytes) {
      return 'PACKET_TOO_LARGE';
    }
    return null;
  }

  #checkBody(
    header: FixedHeader,
    chunk: Buffer,
    start: number,
    end: number,
  ): GuardViolationCode | null {
    const level = this.#connect.protocolLevel;
    switch (header.type) {
      case CONNECT:
        return checkConnectBody(chunk, start, end, this.#connect);
      case PUBLISH:
        return checkPublishBody(chunk, start, end, level, (header.flags >> 1) & 0b11);
      case SUBSCRIBE:
        return checkFiltersBody(chunk, start, end, true, level);
      case UNSUBSCRIBE:
        return checkFiltersBody(chunk, start, end, false, level);
      default:
        return null;
    }
  }

  /**
   * MQTT 3.1.1 has no way to report these: closing the connection is the spec's answer. An
   * MQTT 5.0 client is told the reason code first (see `GuardedConnection`).
   */
  #reject(code: GuardViolationCode): void {
    const { type, headerLength, remainingLength } = this.#header;
    const limit =
      type === CONNECT ? this.#options.maxConnectPacketBytes : this.#options.maxPacketBytes;
    const violation: GuardViolation = {
      code,
      message: describeViolation(code, { type, size: headerLength + remainingLength, limit }),
    };
    if (this.#connect.protocolLevel === MQTT_5) {
      violation.answer = {
        reasonCode: reasonCodeOf(code),
        maximumPacketSize: this.#connect.maximumPacketSize,
      };
    }
    try {
      this.#options.onViolation?.(violation);
    } catch (error) {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.destroy(new GuardViolationError(violation));
  }
}

export function createPacketGuard(options: PacketGuardOptions): PacketGuard {
  return new PacketGuard(options);
}

/** Puts a `PacketGuard` on the inbound side of `socket`; hand the result to `aedes.handle()`. */
export function guardConnection(socket: Duplex, options: PacketGuardOptions): Duplex {
  return new GuardedConnection(socket, createPacketGuard(options));
}
