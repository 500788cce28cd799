import { Duplex, finished } from 'node:stream';
import type { Transform } from 'node:stream';

/**
 * A duplex for `aedes.handle()` that reads through `guard` and writes straight to
 * `socket`. Destroying it destroys both; the socket closing, erroring or being
 * rejected by the guard destroys it, with the cause as its error.
 */
export class GuardedConnection extends Duplex {
  readonly #socket: Duplex;
  readonly #guard: Transform;
  #writeCallback: ((error?: Error | null) => void) | null = null;

  constructor(socket: Duplex, guard: Transform) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#guard = guard;

    const fail = (error: Error): void => {
      this.destroy(error);
    };
    socket.on('error', fail);
    guard.on('error', fail);
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
    socket.cork();
    for (const { chunk } of chunks) socket.write(chunk);
    socket.uncork();
    if (socket.writableNeedDrain) this.#writeCallback = callback;
    else callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
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
    this.#socket.unpipe(this.#guard);
    this.#guard.destroy();
    // The cause goes down too: a WebSocket closes politely only when there is none.
    this.#socket.destroy(error ?? undefined);
    callback(error);
  }
}
