import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { DeviceProtocol } from '@twinwire/schemas/messages';
import type { Client } from 'aedes';

/** What a listener knows about a connection that aedes does not. */
export interface ConnectionInfo {
  protocol: Exclude<DeviceProtocol, 'websocket'>;
  /** The raw TLS socket, for the client certificate; the stream aedes reads is wrapped. */
  tlsSocket?: TLSSocket;
  /** `host:port` of the peer, as the socket saw it (behind a proxy: the proxy). */
  remoteAddress?: string;
  /** The peer's IP address alone: what failed logins are throttled by. */
  peerHost?: string;
  /** Aborts when the socket closes: a login waiting to be hashed is dropped then. */
  closed?: AbortSignal;
}

/** Connection info keyed by the stream each listener hands to aedes. */
export class ConnectionRegistry {
  private readonly byStream = new WeakMap<Duplex, ConnectionInfo>();

  register(stream: Duplex, info: ConnectionInfo): void {
    this.byStream.set(stream, info);
  }

  of(client: Client): ConnectionInfo {
    return this.byStream.get(client.conn) ?? { protocol: 'mqtt' };
  }
}
