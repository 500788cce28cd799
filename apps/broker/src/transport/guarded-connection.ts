import { Socket } from 'node:net';
import { Duplex, finished } from 'node:stream';
import type { Transform } from 'node:stream';
import { GuardViolationError } from './guard-violation.ts';
import { refusalPacket } from './refusal-packet.ts';

/** How long a socket told why it is closed may take to read it and close its end. */
const ANSWER_LINGER_MS = 2_000;

/**
 * A duplex for `aedes.handle()` that reads through `guard` and writes straight to
 * `socket`. Destroying it destroys both; the socket closing, erroring or being
 * rejected by the guard destroys it, with the cause as its error.
 *
 * On TCP and TLS, the packets written in one turn of the event loop leave in one
 * writev(2): aedes writes every delivery from a `setImmediate` of its own, so without
 * this a subscriber costs one system call per message, the broker's largest single cost
 * under load. The socket is corked at the first write and uncorked by an immediate: in
 * the same turn for writes made while reading (PUBACKs), in the next one for writes made
 * from aedes' immediates (deliveries), after that turn's reads. TCP_NODELAY stays on, so
 * nothing waits for the peer's ACK.
 *
 * A guard violation on an MQTT 5.0 connection is told to the client before it closes: a
 * CONNACK with the violation's reason code if the broker has not written one yet, else a
 * DISCONNECT; then the socket is ended, not reset, so the client can read it.
 */
export class GuardedConnection extends Duplex {
  readonly #socket: Duplex;
  readonly #guard: Transform;
  readonly #coalesce: boolean;
  #writeCallback: ((error?: Error | null) => void) | null = null;
  #flush: NodeJS.Immediate | null = null;
  /** aedes has written to the socket: its CONNACK, the first packet a server sends, is out. */
  #wrote = false;
  /** The socket is ending after a refusal packet, not to be destroyed with this duplex. */
  #answering = false;

  constructor(socket: Duplex, guard: Transform) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#guard = guard;
    // Over WebSocket each write is a message of its own; batching is for byte streams.
    this.#coalesce = socket instanceof Socket;

    socket.on('error', (error) => {
      this.destroy(error);
    });
    guard.on('error', (error) => {
      if (error instanceof GuardViolationError && error.answer) this.#answer(error);
      this.destroy(error);
    });
    socket.on('close', () => {
      // After a clean end the guard may still hold paced packets; they pass, then end
      // the readable side. An abrupt close has nothing left to deliver.
      if (!socket.readableEnded) this.destroy();
    });
    socket.on('drain', () => {
      const callback = this.#writeCallback;
      this.#writeCallback = null;
      callback?.();
    });

    guard.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) guard.pause();
    });
    guard.on('end', () => {
      this.push(null);
    });
    socket.pipe(guard);
  }

  override _read(): void {
    this.#guard.resume();
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this._writev([{ chunk, encoding }], callback);
  }

  // mqtt-packet's writeToStream corks this stream for one tick while it writes a
  // packet in pieces; handing the pieces on under one cork keeps them together, as
  // one writev(2) on TCP and one message on WebSocket.
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    const socket = this.#socket;
    // After the client half-closed, the socket's end follows; answers to packets the
    // guard still paces have nowhere to go, but those packets must still reach aedes.
    if (!socket.writable) {
      callback();
      return;
    }
    this.#wrote = true;
    if (!this.#coalesce) {
      socket.cork();
      for (const { chunk } of chunks) socket.write(chunk);
      socket.uncork();
    } else {
      if (this.#flush === null) {
        socket.cork();
        this.#flush = setImmediate(GuardedConnection.#endTurn, this);
      }
      writeJoined(socket, chunks);
      // A full buffer leaves now rather than waiting for the end of the turn.
      if (socket.writableNeedDrain) this.#uncorkNow();
    }
    if (socket.writableNeedDrain) this.#writeCallback = callback;
    else callback();
  }

  // Static, so that no connection carries a closure of its own for it.
  static #endTurn(connection: GuardedConnection): void {
    connection.#flush = null;
    connection.#socket.uncork();
  }

  #uncorkNow(): void {
    if (this.#flush === null) return;
    clearImmediate(this.#flush);
    GuardedConnection.#endTurn(this);
  }

  /** Writes the MQTT 5.0 refusal for `violation`, then ends the socket once it is read. */
  #answer(violation: GuardViolationError): void {
    const socket = this.#socket;
    const answer = violation.answer;
    if (!answer || !socket.writable) return;
    this.#answering = true;
    this.#uncorkNow();
    socket.unpipe(this.#guard);
    // Input left unread when the socket closes makes the kernel reset the connection, and a
    // reset may discard the answer before the client reads it: read on, and drop it.
    socket.resume();
    socket.end(
      refusalPacket(
        this.#wrote ? 'disconnect' : 'connack',
        answer.reasonCode,
        violation.message,
        answer.maximumPacketSize,
      ),
    );
    const linger = setTimeout(() => socket.destroy(), ANSWER_LINGER_MS);
    linger.unref();
    socket.once('close', () => {
      clearTimeout(linger);
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#uncorkNow();
    const socket = this.#socket;
    if (socket.destroyed || socket.writableFinished) {
      callback();
      return;
    }
    finished(socket, { readable: false }, () => {
      callback();
    });
    socket.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#uncorkNow();
    this.#socket.unpipe(this.#guard);
    this.#guard.destroy();
    // The cause goes down too: a WebSocket closes politely only when there is none.
    if (!this.#answering) this.#socket.destroy(error ?? undefined);
    callback(error);
  }
}

/** Up to this size the pieces of a write are copied into one buffer; larger ones go as they are. */
const JOIN_MAX_BYTES = 16 * 1024;

/**
 * Writes the pieces mqtt-packet wrote under one cork (header, length, topic, payload: one
 * or more packets). Small ones are joined first: one socket write instead of one per
 * piece, for the price of a copy of a few hundred bytes.
 */
function writeJoined(socket: Duplex, chunks: readonly { chunk: Buffer }[]): void {
  let length = 0;
  for (const { chunk } of chunks) length += chunk.length;
  if (chunks.length === 1 || length > JOIN_MAX_BYTES) {
    for (const { chunk } of chunks) socket.write(chunk);
    return;
  }
  const joined = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const { chunk } of chunks) offset += chunk.copy(joined, offset);
  socket.write(joined);
}
