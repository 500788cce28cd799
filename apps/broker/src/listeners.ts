import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Aedes } from 'aedes';
import { WebSocketServer } from 'ws';
import type { BrokerConfig } from './config.ts';
import type { ConnectionInfo, ConnectionRegistry } from './connections.ts';
import { closeServer, listen } from './listen.ts';
import type { Logger } from './log.ts';
import type { BrokerMetrics } from './metrics.ts';
import { tuneSocket } from './transport/tcp.ts';
import { guardConnection } from './transport/packet-guard.ts';
import { createWebSocketDuplex, handleProtocols } from './transport/websocket-stream.ts';

export interface ListenerAddresses {
  mqtt: number;
  ws: number;
  tls?: number;
}

export interface Listeners {
  addresses: ListenerAddresses;
  /**
   * Stops accepting new connections. Open ones stay until aedes closes them; the promise
   * resolves once they have all gone.
   */
  stopAccepting(): Promise<void>;
}

/** `203.0.113.7:51234`, `[2001:db8::1]:51234`; undefined once the socket has closed. */
function peerAddress(socket: Socket): string | undefined {
  const { remoteAddress, remotePort } = socket;
  if (remoteAddress === undefined) return undefined;
  return remoteAddress.includes(':')
    ? `[${remoteAddress}]:${remotePort ?? ''}`
    : `${remoteAddress}:${remotePort ?? ''}`;
}

/** MQTT over TCP, WebSocket (`/mqtt`) and, with a certificate, TLS, all behind the packet guard. */
export async function openListeners(deps: {
  config: BrokerConfig;
  aedes: Aedes;
  connections: ConnectionRegistry;
  metrics: BrokerMetrics;
  log: Logger;
}): Promise<Listeners> {
  const { config } = deps;
  let open = 0;
  const guardOptions = {
    maxPacketBytes: config.MQTT_MAX_PACKET_BYTES,
    maxConnectPacketBytes: config.MQTT_MAX_CONNECT_BYTES,
    maxPublishesPerSecond: config.MQTT_MAX_PUBLISH_RATE,
    onViolation: (violation: { code: string; message: string }) => {
      deps.metrics.guardViolations.inc({ code: violation.code });
      deps.log.info(violation, 'connection closed: protocol violation');
    },
  };

  /** Hands a connection to aedes, or closes it when the broker is full. */
  function accept(raw: Duplex, socket: Socket, info: ConnectionInfo): void {
    if (open >= config.MQTT_MAX_CONNECTIONS) {
      deps.metrics.connectionsRefused.inc();
      socket.destroy();
      return;
    }
    tuneSocket(socket);
    open += 1;
    deps.metrics.connections.inc({ protocol: info.protocol });
    const closed = new AbortController();
    socket.once('close', () => {
      open -= 1;
      deps.metrics.connections.dec({ protocol: info.protocol });
      closed.abort();
    });
    const guarded = guardConnection(raw, guardOptions);
    deps.connections.register(guarded, {
      ...info,
      remoteAddress: peerAddress(socket),
      ...(socket.remoteAddress === undefined ? {} : { peerHost: socket.remoteAddress }),
      closed: closed.signal,
    });
    deps.aedes.handle(guarded);
  }

  const tcp = createTcpServer((socket) => {
    accept(socket, socket, { protocol: 'mqtt' });
  });
  const http = createHttpServer((_request, response) => {
    response
      .writeHead(426, { 'content-type': 'text/plain' })
      .end('MQTT over WebSocket: connect to /mqtt\n');
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/mqtt',
    handleProtocols,
    maxPayload: config.MQTT_MAX_PACKET_BYTES,
  });
  // ws re-emits the HTTP server's errors (a port in use) on itself; `listen` reports them.
  wss.on('error', () => undefined);
  wss.on('connection', (ws, request) => {
    accept(createWebSocketDuplex(ws), request.socket, { protocol: 'mqtt-ws' });
  });

  const tls =
    config.TLS_CERT && config.TLS_KEY
      ? createTlsServer(
          {
            cert: readFileSync(config.TLS_CERT),
            key: readFileSync(config.TLS_KEY),
            ...(config.TLS_CA ? { ca: readFileSync(config.TLS_CA) } : {}),
            requestCert: Boolean(config.TLS_CA),
            rejectUnauthorized: config.TLS_REQUIRE_CLIENT_CERT,
          },
          (socket: TLSSocket) => {
            accept(socket, socket, { protocol: 'mqtt-tls', tlsSocket: socket });
          },
        )
      : undefined;
  tls?.on('tlsClientError', (error) => {
    deps.log.info({ err: error }, 'TLS handshake failed');
  });

  const host = config.MQTT_HOST;
  const servers = [tcp, http, ...(tls ? [tls] : [])];
  const stopAccepting = () => {
    wss.close();
    return Promise.all(servers.map(closeServer)).then(() => undefined);
  };
  try {
    const addresses: ListenerAddresses = {
      mqtt: await listen(tcp, config.MQTT_PORT, host, 'MQTT_PORT'),
      ws: await listen(http, config.MQTT_WS_PORT, host, 'MQTT_WS_PORT'),
      ...(tls ? { tls: await listen(tls, config.MQTT_TLS_PORT, host, 'MQTT_TLS_PORT') } : {}),
    };
    return { addresses, stopAccepting };
  } catch (error) {
    await stopAccepting();
    throw error;
  }
}
