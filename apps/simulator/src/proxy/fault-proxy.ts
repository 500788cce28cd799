import net from 'node:net';
import { startDelayedPipe } from './delayed-pipe.ts';
import { nextDropDelayMs } from './drop-schedule.ts';

export interface FaultSettings {
  latencyMs: number;
  jitterMs: number;
  bandwidthBytesPerSecond: number | null;
  dropsPerMinute: number;
}

export interface FaultProxyStats {
  /** Connections accepted and forwarded (refused ones during an outage are not counted). */
  connections: number;
  open: number;
  /** Connections the proxy cut: random drops plus those an outage cut. */
  dropped: number;
  bytesToServer: number;
  bytesToClient: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly url: (scheme: string) => string;
  setFaults(faults: Partial<FaultSettings>): void;
  /** Cuts every open connection and refuses new ones for durationMs; resolves when it ends. */
  outage(durationMs: number): Promise<void>;
  stats(): FaultProxyStats;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  target: { host: string; port: number };
  host?: string;
  port?: number;
  faults?: Partial<FaultSettings>;
  /** Seedable for tests; Math.random by default. */
  random?: () => number;
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  jitterMs: 0,
  bandwidthBytesPerSecond: null,
  dropsPerMinute: 0,
};

interface ProxiedConnection {
  client: net.Socket;
  server: net.Socket;
}

/**
 * A TCP proxy between devices and a server that injects network faults: latency with
 * jitter and a bandwidth cap per direction, random connection drops, and full outages.
 * It forwards bytes only to `target`.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  const random = options.random ?? Math.random;
  let faults: FaultSettings = { ...NO_FAULTS, ...options.faults };
  const open = new Set<ProxiedConnection>();
  const stats = { connections: 0, dropped: 0, bytesToServer: 0, bytesToClient: 0 };
  let outageUntil = 0;
  let outageTimer: NodeJS.Timeout | undefined;
  const outageWaiters: (() => void)[] = [];
  let dropTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const endOutage = (): void => {
    outageTimer = undefined;
    for (const resolve of outageWaiters.splice(0)) resolve();
  };

  const cut = (connection: ProxiedConnection): void => {
    if (!open.delete(connection)) return;
    stats.dropped += 1;
    // A reset, not a FIN: the peer sees the connection die as it would on a real network.
    connection.client.resetAndDestroy();
    connection.server.resetAndDestroy();
  };

  const accept = (client: net.Socket): void => {
    if (closed || Date.now() < outageUntil) {
      client.resetAndDestroy();
      return;
    }
    stats.connections += 1;
    const server = net.connect({ host: options.target.host, port: options.target.port });
    client.setNoDelay(true);
    server.setNoDelay(true);
    const connection: ProxiedConnection = { client, server };
    open.add(connection);
    const pipes = [
      startDelayedPipe({
        from: client,
        to: server,
        faults: () => faults,
        random,
        onBytes: (n) => (stats.bytesToServer += n),
      }),
      startDelayedPipe({
        from: server,
        to: client,
        faults: () => faults,
        random,
        onBytes: (n) => (stats.bytesToClient += n),
      }),
    ];
    const finish = (): void => {
      open.delete(connection);
      for (const pipe of pipes) pipe.stop();
      client.destroy();
      server.destroy();
    };
    // Either side failing or fully closing ends both; errors are the peer's business.
    client.on('error', finish);
    server.on('error', finish);
    client.on('close', finish);
    server.on('close', finish);
  };

  const scheduleDrops = (): void => {
    if (dropTimer !== undefined) clearTimeout(dropTimer);
    dropTimer = undefined;
    if (closed || faults.dropsPerMinute <= 0) return;
    dropTimer = setTimeout(
      () => {
        dropTimer = undefined;
        const victims = [...open];
        const victim = victims[Math.floor(random() * victims.length)];
        if (victim !== undefined) cut(victim);
        scheduleDrops();
      },
      nextDropDelayMs(faults.dropsPerMinute, random),
    );
    dropTimer.unref();
  };

  const listener = net.createServer(accept);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 0, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP port');
  const port = address.port;
  scheduleDrops();

  return {
    port,
    url: (scheme) => `${scheme}://${host}:${port}`,
    setFaults(changes) {
      const dropsChanged =
        changes.dropsPerMinute !== undefined && changes.dropsPerMinute !== faults.dropsPerMinute;
      faults = { ...faults, ...changes };
      if (dropsChanged) scheduleDrops();
    },
    outage(durationMs) {
      const until = Date.now() + durationMs;
      for (const connection of [...open]) cut(connection);
      const ended = new Promise<void>((resolve) => outageWaiters.push(resolve));
      if (until > outageUntil) {
        // A longer outage overlapping this one extends it; every caller waits for the end.
        outageUntil = until;
        if (outageTimer !== undefined) clearTimeout(outageTimer);
        outageTimer = setTimeout(endOutage, durationMs);
      }
      return ended;
    },
    stats: () => ({ ...stats, open: open.size }),
    async close() {
      closed = true;
      if (dropTimer !== undefined) clearTimeout(dropTimer);
      if (outageTimer !== undefined) clearTimeout(outageTimer);
      outageUntil = 0;
      endOutage();
      for (const connection of [...open]) {
        open.delete(connection);
        connection.client.destroy();
        connection.server.destroy();
      }
      await new Promise<void>((resolve) => {
        listener.close(() => {
          resolve();
        });
      });
    },
  };
}
