/**
 * Sockets whose bytes are counted where they leave and enter the process: every
 * connection the lab opens starts as a plain TCP socket (TCP_NODELAY), and TLS is layered
 * on top of it, so the TCP socket's bytesWritten/bytesRead are the bytes on the wire, TLS
 * records and handshakes included.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface WireBytes {
  written: number;
  read: number;
}

/** Counts across every socket a client has used (a reconnecting client uses several). */
export class WireMeter {
  private readonly sockets: net.Socket[] = [];

  attach(socket: net.Socket): void {
    this.sockets.push(socket);
  }

  bytes(): WireBytes {
    let written = 0;
    let read = 0;
    for (const socket of this.sockets) {
      written += socket.bytesWritten;
      read += socket.bytesRead;
    }
    return { written, read };
  }
}

export function wireDelta(after: WireBytes, before: WireBytes): WireBytes {
  return { written: after.written - before.written, read: after.read - before.read };
}

export interface SocketTarget {
  host: string;
  port: number;
  /** TLS on top, trusting `ca`; the lab's certificate names localhost and 127.0.0.1. */
  tls?: { ca: Buffer | undefined };
}

/** A counted connection: the TCP socket for plain targets, a TLS socket over it otherwise. */
export function openCountedSocket(target: SocketTarget, meter: WireMeter): net.Socket {
  const raw = net.connect({ host: target.host, port: target.port });
  raw.setNoDelay(true);
  meter.attach(raw);
  if (!target.tls) return raw;
  return tls.connect({
    socket: raw,
    servername: 'localhost',
    ...(target.tls.ca ? { ca: target.tls.ca } : {}),
  });
}

export function targetOf(url: string, ca: Buffer | undefined): SocketTarget {
  const parsed = new URL(url);
  const secure = ['wss:', 'mqtts:', 'https:'].includes(parsed.protocol);
  const port = Number(parsed.port) || (secure ? 443 : 80);
  return { host: parsed.hostname, port, ...(secure ? { tls: { ca } } : {}) };
}
