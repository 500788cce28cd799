/** The IPC between the lab and its peer processes (peer-main.ts). */

export interface TlsFiles {
  cert: string;
  key: string;
}

interface WsServerConfig {
  role: 'ws-server';
  tls: TlsFiles;
}

export interface HelperConfig {
  role: 'helper';
  tls: TlsFiles;
  /** The MQTT echo: subscribes `<echoPrefix>/+/ping`, answers on `<echoPrefix>/<id>/pong`. */
  mqtt: { url: string; username?: string; password?: string; echoPrefix: string };
  /** A TLS terminator in front of the broker's MQTT-over-WebSocket port (it has no wss). */
  terminateTo: { host: string; port: number };
}

export type PeerConfig = WsServerConfig | HelperConfig;

export interface PeerReady {
  /** ws-server: plain and TLS ports. helper: the TLS terminator's port. */
  ports: { plain?: number; tls: number };
}

export interface SinkStats {
  received: number;
  unique: number;
  duplicates: number;
}

export type PeerRequest =
  | { id: number; op: 'gc' }
  | { id: number; op: 'sink'; stream: string }
  | { id: number; op: 'totals' }
  | { id: number; op: 'connections' }
  | { id: number; op: 'stop' };

export type PeerMessage =
  | { type: 'ready'; ready: PeerReady }
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'failed'; id?: number; error: string };
