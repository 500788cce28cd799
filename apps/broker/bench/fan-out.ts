/**
 * Benchmark: fan-out, 1 publisher → N subscribers (the protocol lab's claim 4, on one
 * broker). One publisher sends a 64-byte message at a fixed rate to a topic every
 * subscriber has subscribed to; the broker's CPU per delivery (its process's user +
 * system time over the deliveries counted at the subscribers) is the figure. Contenders in
 * the same run, taking turns round by round: this broker (auth, ACL, limits and metrics on),
 * bare aedes, Mosquitto, and a plain WebSocket server that loops `send` over its
 * subscribers (ws-broadcast.ts), the baseline the lab's claim compares MQTT against.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '@twinwire/db/testing';
import type { MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { loopbackBrokerEnv } from '../src/config.ts';
import { closeAll, connectClient, connectFleet } from './clients.ts';
import {
  micros,
  ms,
  NONE,
  progress,
  rate,
  ratio,
  row,
  Samples,
  verdict,
  waitUntil,
} from './stats.ts';
import type { Row } from './stats.ts';
import {
  findMosquitto,
  startBareAedes,
  startMosquitto,
  startOurBroker,
  startWsBroadcast,
  type BrokerTarget,
} from './targets.ts';

export interface FanOutOptions {
  subscribers: number;
  /** Messages per second from the one publisher; deliveries are this × subscribers. */
  rate: number;
  warmupMs: number;
  measureMs: number;
  rounds: number;
  serviceSecret: string;
  cpuProfileDir: string | undefined;
}

const TOPIC = 'devices/bench-fan/commands/fan';
const FILTER = 'devices/+/commands/+';
const PAYLOAD_BYTES = 64;
const CONNECT_CONCURRENCY = 50;

type Qos = 0 | 1;

/** The subscribers and publisher on one contender, whatever its protocol. */
interface Audience {
  publish(payload: Buffer, qos: Qos): void;
  /** Deliveries counted at the subscribers since the last reset, and their latencies. */
  delivered(): number;
  latencies(): Samples;
  reset(): void;
}

interface Contender {
  name: string;
  target: BrokerTarget;
  audiences: Partial<Record<Qos, Audience>>;
  results: Partial<
    Record<Qos, { cpuPerDelivery: number[]; deliveriesPerSecond: number[]; latencies: Samples }>
  >;
}

export async function benchFanOut(
  adminUrl: string,
  options: FanOutOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const notes: string[] = [];
  const database = await createTestDatabase(adminUrl);
  const contenders: Contender[] = [];
  const stops: (() => Promise<void>)[] = [];
  const service = { username: 'service', password: options.serviceSecret };
  try {
    progress(
      `fan-out: 1 → ${options.subscribers} subscribers on twinwire, aedes (bare), mosquitto, a WebSocket server`,
    );
    const ours = await startOurBroker({
      env: loopbackBrokerEnv(options.serviceSecret, {
        LOG_LEVEL: 'warn',
        MQTT_MAX_PUBLISH_RATE: '0',
      }),
      databaseUrl: database.url,
      cpuProfileDir: options.cpuProfileDir,
    });
    stops.push(() => ours.stop());
    contenders.push(await mqttContender('twinwire', ours, options, service, stops));
    const bare = await startBareAedes(options.cpuProfileDir);
    stops.push(() => bare.stop());
    contenders.push(await mqttContender('aedes (bare)', bare, options, {}, stops));
    const binary = findMosquitto();
    if (binary) {
      const mosquitto = await startMosquitto(binary);
      stops.push(() => mosquitto.stop());
      contenders.push(await mqttContender('mosquitto', mosquitto, options, {}, stops));
    } else {
      notes.push('no mosquitto binary found: no Mosquitto row');
    }
    const ws = await startWsBroadcast(options.cpuProfileDir);
    stops.push(() => ws.stop());
    contenders.push(await wsContender(ws, options, stops));

    for (let round = 1; round <= options.rounds; round += 1) {
      for (const qos of [0, 1] as const) {
        for (const contender of contenders) {
          const audience = contender.audiences[qos];
          if (!audience) continue;
          progress(`fan-out: round ${round}/${options.rounds}, ${contender.name}, QoS ${qos}`);
          const measured = await measure(contender.target, audience, qos, options);
          const results = (contender.results[qos] ??= {
            cpuPerDelivery: [],
            deliveriesPerSecond: [],
            latencies: new Samples(),
          });
          results.cpuPerDelivery.push(measured.cpuPerDelivery);
          results.deliveriesPerSecond.push(measured.deliveriesPerSecond);
          results.latencies.addAll(audience.latencies());
        }
      }
    }
    for (const contender of contenders) {
      const crash = contender.target.crashed();
      if (crash) throw new Error(crash);
    }
    notes.push(
      `${options.rate} msgs/s of ${PAYLOAD_BYTES} bytes to ${options.subscribers} subscribers = ` +
        `${rate(options.rate * options.subscribers)} deliveries/s offered; ${options.rounds} rounds of ` +
        `${options.measureMs / 1000} s, median CPU per delivery of the broker process; latency from publish to delivery`,
      'target column: CPU per delivery against the WebSocket server at QoS 0 (it has no QoS 1); the target is twinwire QoS 0 ≤ 1.0×',
    );
    return { rows: rowsOf(contenders), notes };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await database.drop();
  }
}

async function measure(
  target: BrokerTarget,
  audience: Audience,
  qos: Qos,
  options: FanOutOptions,
): Promise<{ cpuPerDelivery: number; deliveriesPerSecond: number }> {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  const send = (durationMs: number) =>
    publishAtRate(audience, payload, qos, options.rate, durationMs);
  await send(options.warmupMs);
  await sleep(200);
  audience.reset();
  const cpuBefore = target.cpuMicros();
  const started = performance.now();
  const sent = await send(options.measureMs);
  // Deliveries still on their way belong to this window: wait for them (or 2 s).
  await waitUntil(() => audience.delivered() >= sent * options.subscribers, 2_000);
  const elapsed = performance.now() - started;
  const cpu = target.cpuMicros() - cpuBefore;
  const delivered = audience.delivered();
  return { cpuPerDelivery: cpu / delivered, deliveriesPerSecond: (delivered / elapsed) * 1000 };
}

/** Publishes at `perSecond` in 10 ms ticks for `durationMs`; returns how many. */
async function publishAtRate(
  audience: Audience,
  payload: Buffer,
  qos: Qos,
  perSecond: number,
  durationMs: number,
): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; sent < due; sent += 1) {
      payload.writeDoubleBE(performance.now(), 0);
      audience.publish(Buffer.from(payload), qos);
    }
    await sleep(10);
  }
  return sent;
}

/** Counts deliveries at the subscribers and samples their latency. */
function counting() {
  let count = 0;
  let latencies = new Samples();
  return {
    onMessage(payload: Buffer) {
      count += 1;
      // One delivery in 16: enough for a p99, cheap for the subscribers' process.
      if ((count & 15) === 0) latencies.add(performance.now() - payload.readDoubleBE(0));
    },
    delivered: () => count,
    latencies: () => latencies,
    reset() {
      count = 0;
      latencies = new Samples();
    },
  };
}

async function mqttContender(
  name: string,
  target: BrokerTarget,
  options: FanOutOptions,
  credentials: { username?: string; password?: string },
  stops: (() => Promise<void>)[],
): Promise<Contender> {
  const tally = counting();
  // Subscribed at QoS 1: a QoS 0 PUBLISH is delivered at QoS 0, a QoS 1 one at QoS 1
  // [MQTT-3.8.4-8], so one audience serves both scenarios.
  const fleet = await connectFleet(options.subscribers, CONNECT_CONCURRENCY, async (index) => {
    const client = await connectClient(target.mqttPort, {
      ...credentials,
      clientId: `fan-${index}`,
    });
    client.on('message', (_topic, payload) => {
      tally.onMessage(payload);
    });
    await client.subscribeAsync(FILTER, { qos: 1 });
    return client;
  });
  const publisher = await connectClient(target.mqttPort, {
    ...credentials,
    clientId: 'fan-publisher',
  });
  const clients: MqttClient[] = [...fleet.clients, publisher];
  stops.push(() => closeAll(clients));
  const audience: Audience = {
    ...tally,
    publish: (payload, qos) => publisher.publish(TOPIC, payload, { qos }),
  };
  return { name, target, audiences: { 0: audience, 1: audience }, results: {} };
}

async function wsContender(
  target: BrokerTarget,
  options: FanOutOptions,
  stops: (() => Promise<void>)[],
): Promise<Contender> {
  const tally = counting();
  const url = (path: string) => `ws://127.0.0.1:${target.mqttPort}${path}`;
  const open = (path: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url(path), { perMessageDeflate: false });
      socket.once('open', () => {
        socket.on('error', () => undefined);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  const fleet = await connectFleet(options.subscribers, CONNECT_CONCURRENCY, async () => {
    const socket = await open('/sub');
    socket.on('message', (data: Buffer) => {
      tally.onMessage(data);
    });
    return socket;
  });
  const publisher = await open('/pub');
  const sockets = [...fleet.clients, publisher];
  stops.push(async () => {
    for (const socket of sockets) socket.terminate();
    await Promise.resolve();
  });
  const audience: Audience = {
    ...tally,
    publish: (payload) => {
      publisher.send(payload, { binary: true });
    },
  };
  return { name: 'websocket broadcast', target, audiences: { 0: audience }, results: {} };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function rowsOf(contenders: Contender[]): Row[] {
  const baseline = contenders.find((c) => c.name === 'websocket broadcast')?.results[0];
  const mosquitto = contenders.find((c) => c.name === 'mosquitto')?.results;
  const baselineCpu = baseline ? median(baseline.cpuPerDelivery) : Number.NaN;
  const rows: Row[] = [];
  for (const qos of [0, 1] as const) {
    for (const contender of contenders) {
      const result = contender.results[qos];
      if (!result) continue;
      const cpu = median(result.cpuPerDelivery);
      const mosquittoResult = mosquitto?.[qos];
      const isOurs = contender.name === 'twinwire';
      rows.push(
        row({
          benchmark: `${contender.name}, QoS ${qos}`,
          'msgs/s': `${rate(median(result.deliveriesPerSecond))} deliveries`,
          'p50 (ms)': ms(result.latencies.quantile(0.5)),
          'p99 (ms)': ms(result.latencies.quantile(0.99)),
          'CPU µs/msg': `${micros(cpu)} per delivery`,
          'vs mosquitto': mosquittoResult
            ? ratio(cpu, median(mosquittoResult.cpuPerDelivery))
            : NONE,
          // The CPU per delivery against the WebSocket server's at QoS 0.
          target: `${ratio(cpu, baselineCpu)} WebSocket${isOurs && qos === 0 ? ` (≤ 1.0×: ${verdict(cpu <= baselineCpu)})` : ''}`,
        }),
      );
    }
  }
  return rows;
}
