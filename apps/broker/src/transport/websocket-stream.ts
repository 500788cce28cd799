import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The error a WebSocket duplex is destroyed with when the client sends a text frame. */
class WebSocketTextFrameError extends Error {
  override readonly name = 'WebSocketTextFrameError';
  readonly code = 'WEBSOCKET_TEXT_FRAME';

  constructor() {
    super('MQTT over WebSocket needs binary frames');
  }
}

/**
 * The subprotocol the broker selects [MQTT-6.0.0-4]: `mqtt` [MQTT-6.0.0-3], or `mqttv3.1`
 * for MQTT 3.1 clients. For the `handleProtocols` option of `ws`' server.
 */
export function handleProtocols(protocols: Set<string>): string | false {
  if (protocols.has('mqtt')) return 'mqtt';
  if (protocols.has('mqttv3.1')) return 'mqttv3.1';
  return false;
}

/** Wraps a server-side WebSocket in a byte stream for aedes. */
export function createWebSocketDuplex(ws: WebSocket): Duplex {
  return new WebSocketDuplex(ws);
}

const NORMAL_CLOSURE = 1000;
const UNSUPPORTED_DATA = 1003;

class WebSocketDuplex extends Duplex {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    super({ allowHalfOpen: false });
    this.#ws = ws;
    ws.on('message', (data, isBinary) => {
      if (this.destroyed) return;
      if (!isBinary) {
        // [MQTT-6.0.0-1] any frame but binary closes the connection.
        ws.close(UNSUPPORTED_DATA, 'MQTT needs binary frames');
        this.destroy(new WebSocketTextFrameError());
        return;
      }
      const chunk = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (!this.push(chunk)) ws.pause();
    });
    ws.on('close', () => {
      this.push(null);
    });
    ws.on('error', (error) => {
      this.destroy(error);
    });
  }

  override _read(): void {
    if (this.#ws.isPaused) this.#ws.resume();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#ws.send(chunk, { binary: true }, callback);
  }

  // mqtt-packet's writeToStream writes one packet in several pieces under a cork that
  // it lifts on the next tick; sending the corked pieces as one message puts each packet
  // in one frame instead of one frame per piece. Pieces of several packets written in
  // the same tick share a message, which [MQTT-6.0.0-2] allows.
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    let length = 0;
    for (const { chunk } of chunks) length += chunk.length;
    const message = Buffer.allocUnsafe(length);
    let offset = 0;
    for (const { chunk } of chunks) offset += chunk.copy(message, offset);
    this.#ws.send(message, { binary: true }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#ws.close(NORMAL_CLOSURE);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const ws = this.#ws;
    if (ws.readyState === ws.OPEN) {
      // A clean close says goodbye; after an error there is nothing left to wait for.
      if (error === null) ws.close(NORMAL_CLOSURE);
      else ws.terminate();
    }
    callback(error);
  }
}
