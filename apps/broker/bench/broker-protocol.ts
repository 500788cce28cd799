/** Messages between the bench (parent) and broker-process.ts over the fork IPC channel. */
export type BrokerRequest =
  | {
      type: 'start';
      kind: 'twinwire';
      /** Broker variables exactly as the environment would carry them. */
      env: Record<string, string>;
      databaseUrl: string;
    }
  /** Plain aedes on a TCP server with TCP_NODELAY: no guard, hooks, metrics or database. */
  | { type: 'start'; kind: 'aedes' }
  /** The floor: a relay that only frames packets (node-relay.ts). */
  | { type: 'start'; kind: 'relay' }
  /** Not MQTT: a plain WebSocket broadcast server (ws-broadcast.ts), the fan-out baseline. */
  | { type: 'start'; kind: 'ws-broadcast' }
  /** With `gc`, a full garbage collection runs first so heap numbers hold live objects only. */
  | { type: 'stats'; gc: boolean }
  /** Writes a V8 heap snapshot (after a full GC) to `path`. */
  | { type: 'heap-snapshot'; path: string }
  | { type: 'stop' };

export interface BrokerStats {
  /** User + system CPU of the whole process (all threads) since it started, in µs. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  external: number;
}

export type BrokerReply =
  | { type: 'ready'; mqttPort: number; httpPort: number }
  | { type: 'stats'; stats: BrokerStats }
  | { type: 'heap-snapshot'; path: string }
  | { type: 'stopped' }
  | { type: 'error'; message: string };
