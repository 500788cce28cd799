/**
 * Benchmark 5, shared subscription groups: QoS 1 messages from publishers spread over the
 * brokers → a `$share/bench/...` group of 1, 2 and 4 consumers spread over them too, on one
 * broker and on two brokers sharing Redis; in the same run, the same load to one plain
 * subscriber, so the group dispatch's cost per message stands next to a plain delivery's.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTestDatabase } from '@twinwire/db/testing';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { loopbackBrokerEnv } from '../src/config.ts';
import { closeAll, connectClient } from './clients.ts';
import { micros, ms, NONE, progress, rate, row, Samples, waitUntil, type Row } from './stats.ts';
import { startOurBroker, type OurBroker } from './targets.ts';

export interface SharedGroupsOptions {
  /** Messages per case, split over the publishers. */
  messages: number;
  publishers: number;
  /** QoS 1 publishes each publisher keeps un-PUBACKed. */
  window: number;
  serviceSecret: string;
  /** Without it the two-broker rows are left out. */
  redisUrl: string | undefined;
}

interface Case {
  name: string;
  consumers: number;
  shared: boolean;
}

const CASES: Case[] = [
  { name: 'plain subscription, 1 subscriber', consumers: 1, shared: false },
  { name: 'group of 1', consumers: 1, shared: true },
  { name: 'group of 2', consumers: 2, shared: true },
  { name: 'group of 4', consumers: 4, shared: true },
];

export async function benchSharedGroups(
  adminUrl: string,
  options: SharedGroupsOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const database = await createTestDatabase(adminUrl);
  const prefix = `bench-shared:${randomBytes(4).toString('hex')}:`;
  try {
    const topologies: { label: string; env: (id: string) => Record<string, string>; n: number }[] =
      [{ label: '1 broker', env: () => ({}), n: 1 }];
    if (options.redisUrl) {
      const url = new URL(options.redisUrl);
      url.searchParams.set('keyPrefix', prefix);
      topologies.push({
        label: '2 brokers + Redis',
        env: (id) => ({ REDIS_URL: url.toString(), BROKER_ID: id }),
        n: 2,
      });
    } else {
      notes.push('REDIS_URL unset: the two-broker rows are left out.');
    }
    for (const topology of topologies) {
      progress(`shared groups: starting ${topology.label}`);
      const brokers: OurBroker[] = [];
      try {
        for (let i = 0; i < topology.n; i++) {
          brokers.push(
            await startOurBroker({
              env: loopbackBrokerEnv(options.serviceSecret, {
                LOG_LEVEL: 'warn',
                MQTT_MAX_PUBLISH_RATE: '0',
                ...topology.env(`bench-${i}`),
              }),
              databaseUrl: database.url,
              name: `twinwire ${i + 1}/${topology.n}`,
            }),
          );
        }
        let plainCpu = Number.NaN;
        for (const scenario of CASES) {
          progress(`shared groups: ${topology.label}, ${scenario.name}`);
          const result = await runCase(brokers, scenario, options);
          if (!scenario.shared) plainCpu = result.cpuPerMessage;
          const delta = result.cpuPerMessage - plainCpu;
          const extra = scenario.shared
            ? ` (${delta < 0 ? '−' : '+'}${micros(Math.abs(delta))} vs plain)`
            : '';
          rows.push(
            row({
              benchmark: `${topology.label}: ${scenario.name}, QoS 1`,
              'msgs/s': rate(result.rate),
              'p50 (ms)': ms(result.latency.quantile(0.5)),
              'p99 (ms)': ms(result.latency.quantile(0.99)),
              'CPU µs/msg': `${micros(result.cpuPerMessage)}${extra}`,
              target: result.complete ? NONE : 'INCOMPLETE',
            }),
          );
        }
      } finally {
        for (const broker of brokers) await broker.stop();
      }
    }
  } finally {
    await database.drop();
    if (options.redisUrl) await dropKeys(options.redisUrl, prefix);
  }
  notes.push(
    `${options.messages} QoS 1 messages per row from ${options.publishers} MQTT 3.1.1 publishers (${options.window} un-PUBACKed each) spread over the brokers → the group's consumers (mqtt.js, QoS 1) spread over them. ` +
      'msgs/s: messages over the time from the first publish to the last arrival; latency publish → arrival; CPU µs/msg: every broker process’s user+system CPU over the run / messages. ' +
      '"vs plain": the group dispatch’s extra CPU per message over the plain subscription row of the same topology (with Redis: one script call per message per broker holding members).',
  );
  return { rows, notes };
}

async function runCase(brokers: OurBroker[], scenario: Case, options: SharedGroupsOptions) {
  const base = `devices/bench-shared-${randomBytes(3).toString('hex')}`;
  const filter = scenario.shared ? `$share/bench/${base}/+` : `${base}/+`;
  const credentials = { username: 'service', password: options.serviceSecret };
  const at = (i: number) => brokers[i % brokers.length]!;
  const clients: MqttClient[] = [];
  const latency = new Samples();
  let arrived = 0;
  try {
    for (let i = 0; i < scenario.consumers; i++) {
      const consumer = await connectClient(at(i).mqttPort, {
        clientId: `service/consumer-${i}-${base}`,
        ...credentials,
      });
      consumer.on('message', (_topic, payload) => {
        arrived += 1;
        latency.add(performance.now() - Number(payload.toString()));
      });
      await consumer.subscribeAsync(filter, { qos: 1 });
      clients.push(consumer);
    }
    const publishers: MqttClient[] = [];
    for (let i = 0; i < options.publishers; i++) {
      publishers.push(
        await connectClient(at(i).mqttPort, {
          clientId: `service/pub-${i}-${base}`,
          ...credentials,
        }),
      );
    }
    clients.push(...publishers);
    const cpuBefore = brokers.reduce((sum, broker) => sum + broker.cpuMicros(), 0);
    const started = performance.now();
    const each = Math.ceil(options.messages / options.publishers);
    await Promise.all(
      publishers.map(async (publisher, p) => {
        for (let n = 0; n < each; n += options.window) {
          const batch = Array.from({ length: Math.min(options.window, each - n) }, () =>
            publisher.publishAsync(`${base}/p${p}`, String(performance.now()), { qos: 1 }),
          );
          await Promise.all(batch);
        }
      }),
    );
    const total = each * options.publishers;
    const complete = await waitUntil(() => arrived >= total, 60_000);
    const elapsed = performance.now() - started;
    const cpu = brokers.reduce((sum, broker) => sum + broker.cpuMicros(), 0) - cpuBefore;
    return {
      rate: (arrived / elapsed) * 1000,
      latency,
      cpuPerMessage: cpu / Math.max(arrived, 1),
      complete,
    };
  } finally {
    await closeAll(clients);
  }
}

async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
