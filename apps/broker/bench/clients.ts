import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Samples } from './stats.ts';

/**
 * An mqtt.js client over TCP with TCP_NODELAY, resolved on CONNACK. mqtt.js creates its
 * socket synchronously inside `connect()`, so setting the option right away applies it
 * before the first byte (CONNECT) is written; Nagle would otherwise hold each small
 * packet until the broker's delayed ACK (~40 ms).
 */
export function connectClient(port: number, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocol: 'mqtt',
    reconnectPeriod: 0,
    connectTimeout: 30_000,
    keepalive: 300,
    ...options,
  });
  const socket = client.stream as Partial<Socket>;
  if (typeof socket.setNoDelay !== 'function') throw new Error('mqtt.js stream is not a socket');
  socket.setNoDelay(true);
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.removeListener('error', reject);
      // Errors after CONNACK (a broker closing at the end of a run) must not crash the bench.
      client.on('error', () => undefined);
      resolve(client);
    });
    client.once('error', reject);
    client.once('close', () => {
      reject(new Error(`connection closed before CONNACK (${options.clientId ?? '?'})`));
    });
  });
}

export interface ConnectedFleet<Client = MqttClient> {
  clients: Client[];
  elapsedMs: number;
  /** Per client: TCP connect to CONNACK, plus the SUBACK when `afterConnect` subscribes. */
  latencies: Samples;
}

/** Connects `count` clients with at most `concurrency` handshakes under way at once. */
export async function connectFleet<Client = MqttClient>(
  count: number,
  concurrency: number,
  open: (index: number) => Promise<Client>,
): Promise<ConnectedFleet<Client>> {
  const clients = new Array<Client>(count);
  const latencies = new Samples();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      const begun = performance.now();
      clients[index] = await open(index);
      latencies.add(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { clients, elapsedMs: performance.now() - started, latencies };
}

/** Closes every client without waiting for in-flight messages. */
export async function closeAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.endAsync(true)));
}
