import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import mqtt, { type MqttClient } from 'mqtt';

/**
 * The API's one MQTT connection, as the service principal, speaking MQTT 5.0 (commands carry
 * Response Topic and Correlation Data). mqtt.js reconnects on its own and resubscribes the
 * filters still held (the session is clean).
 */
export function connectAsService(options: {
  url: string;
  secret: string;
  log: FastifyBaseLogger;
  reconnectPeriodMs: number;
}) {
  const { log } = options;
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: `service/api-${randomBytes(6).toString('hex')}`,
    protocolVersion: 5,
    username: 'service',
    password: options.secret,
    clean: true,
    keepalive: 30,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 5_000,
    resubscribe: true,
  });
  let everConnected = false;
  let connectedWaiters: (() => void)[] = [];
  const wakeWaiters = () => {
    for (const wake of connectedWaiters) wake();
    connectedWaiters = [];
  };

  client.on('connect', () => {
    // Small frames (telemetry, acks) must not wait for Nagle's algorithm.
    (client.stream as Partial<Socket>).setNoDelay?.(true);
    if (!everConnected) log.info('connected to the broker');
    else log.info('reconnected to the broker');
    everConnected = true;
    wakeWaiters();
  });
  client.on('offline', () => {
    log.warn('broker connection lost; reconnecting');
  });
  client.on('error', (error) => {
    log.warn({ err: error }, 'broker connection error');
  });

  return {
    client,
    /** Resolves on the first successful connection; rejects after `timeoutMs`. */
    ready(timeoutMs: number): Promise<void> {
      if (client.connected) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no broker connection to ${options.url} after ${timeoutMs} ms`));
        }, timeoutMs);
        connectedWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    /** Wakes anyone waiting for `ready`, then ends the connection. */
    async close(): Promise<void> {
      wakeWaiters();
      // A graceful end waits for in-flight QoS 1 publishes; a broker that is gone cannot ack them.
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          client.end(true, () => {
            resolve();
          });
        }, 2_000);
      });
      await Promise.race([client.endAsync(false), forced]);
      clearTimeout(timer);
    },
  };
}
