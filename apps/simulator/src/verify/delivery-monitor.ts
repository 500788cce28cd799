import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { parseDeviceTopic, topicFilters } from '@twinwire/schemas/topics';
import type { AdminCredentials } from '../api/api-client.ts';
import type { ClientTls } from '../devices/virtual-device.ts';
import { readingKeysOf } from '../devices/payload-seqs.ts';
import type { ReadingLedger } from './ledger.ts';

export interface DeliveryMonitor {
  /** Telemetry messages seen for the watched devices. */
  readonly messages: number;
  /** Times the monitor lost its connection: duplicates may be undercounted if not 0. */
  readonly gaps: number;
  /** Resolves once no message arrived for `quietMs` (or after `maxMs`). */
  settle(quietMs?: number, maxMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Watches what the platform delivers: an MQTT subscriber (signed in as a user) on every
 * device's telemetry, marking each reading in its device's ledger each time it arrives. A
 * reading seen twice was accepted twice by the platform (a QoS 1 redelivery, a WebSocket
 * frame sent again after a lost ack): stored once, but delivered twice. WebSocket devices'
 * readings arrive too: the API republishes them into the broker.
 */
export async function startDeliveryMonitor(options: {
  url: string;
  credentials: AdminCredentials;
  ledgers: ReadonlyMap<string, ReadingLedger>;
  tls?: ClientTls;
}): Promise<DeliveryMonitor> {
  const client: MqttClient = await mqtt.connectAsync(options.url, {
    clientId: `user/twinwire-sim-${randomBytes(4).toString('hex')}`,
    username: options.credentials.username,
    password: options.credentials.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(options.tls ?? {}),
  });
  let messages = 0;
  let gaps = 0;
  let lastMessageAt = Date.now();
  client.on('close', () => (gaps += 1));
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => {
    const target = parseDeviceTopic(topic);
    if (target?.kind !== 'telemetry') return;
    const ledger = options.ledgers.get(target.deviceId);
    if (!ledger) return;
    messages += 1;
    lastMessageAt = Date.now();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return;
    }
    for (const { ts, seq } of readingKeysOf(parsed)) ledger.observed(seq, ts);
  });
  const granted = await client.subscribeAsync(topicFilters.allTelemetry, { qos: 1 });
  if (granted.some((grant) => grant.qos === 128)) {
    await client.endAsync(true);
    throw new Error(
      `user ${options.credentials.username} may not subscribe to ${topicFilters.allTelemetry}; use a viewer, operator or admin`,
    );
  }
  return {
    get messages() {
      return messages;
    },
    get gaps() {
      return gaps;
    },
    async settle(quietMs = 300, maxMs = 3_000) {
      const until = Date.now() + maxMs;
      while (Date.now() < until && Date.now() - lastMessageAt < quietMs) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      client.removeAllListeners('close');
      await client.endAsync(true);
    },
  };
}
