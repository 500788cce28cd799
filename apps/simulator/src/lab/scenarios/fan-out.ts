/**
 * Scenario 4, fan-out: one publisher, N subscribers. MQTT: the broker's pub/sub (QoS 0, one
 * topic, N subscriptions). WebSocket: the baseline server loops over its N connections and
 * sends each a copy. Delivery latency from the publisher's send to each subscriber, and
 * server CPU per delivery.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { LabContext, Scenario, ScenarioOutput } from '../context.ts';
import { cpuWindow } from '../proc-stats.ts';
import { LatencyRecorder, num, pool, ratioText, type LatencySummary } from '../stats.ts';
import type { Link, Transport } from '../transports.ts';
import { closeLinks, openLabLink } from './links.ts';

const PAYLOAD_BYTES = 64;
const WARMUP_MS = 300;
const DRAIN_MS = 1_000;

interface Result {
  subscribers: number;
  protocol: 'ws' | 'mqtt';
  rate: number;
  published: number;
  summary: LatencySummary;
  deliveriesPerSecond: number;
  cpuMicrosPerDelivery: number;
  cpuMicrosPerPublish: number;
  lost: number;
}

async function run(context: LabContext, protocol: 'ws' | 'mqtt', n: number): Promise<Result> {
  const { fanOut: sizes } = context.sizes;
  const rate = Math.max(1, Math.min(sizes.maxRate, Math.floor(sizes.deliveriesPerSecond / n)));
  const transport: Transport = protocol;
  const topic = `fan/${protocol}-${n}`;
  const links: Link[] = [];
  const recorder = new LatencyRecorder();
  let recording = false;
  let received = 0;
  try {
    const subscribers = await pool(n, 50, (i) =>
      openLabLink(context, transport, `fan-${protocol}-${n}-${i}`, {
        wsPath: '/fanout/sub',
        publish: `${topic}/x`,
        subscribe: topic,
      }),
    );
    links.push(...subscribers);
    for (const link of subscribers) {
      link.onMessage((data) => {
        received += 1;
        if (recording) recorder.record(performance.now() - data.readDoubleLE(0));
      });
    }
    const publisher = await openLabLink(context, transport, `fan-${protocol}-${n}-pub`, {
      wsPath: '/fanout/pub',
      publish: topic,
    });
    links.push(publisher);
    const pid = protocol === 'mqtt' ? context.target.pid : context.wsServer.pid;
    let published = 0;
    const started = performance.now();
    let running = true;
    const pump = () => {
      if (!running) return;
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (published < due) {
        const payload = Buffer.alloc(PAYLOAD_BYTES);
        payload.writeDoubleLE(performance.now(), 0);
        publisher.send(payload);
        published += 1;
      }
      setTimeout(pump, 1);
    };
    pump();
    await sleep(WARMUP_MS);
    recording = true;
    const cpu = cpuWindow(pid);
    const receivedBefore = received;
    const publishedBefore = published;
    const windowStart = performance.now();
    await sleep(sizes.measureMs);
    const cpuMicros = cpu.stop();
    const deliveries = received - receivedBefore;
    const publishes = published - publishedBefore;
    const elapsed = (performance.now() - windowStart) / 1000;
    running = false;
    await sleep(DRAIN_MS);
    recording = false;
    return {
      subscribers: n,
      protocol,
      rate,
      published,
      summary: recorder.summary(),
      deliveriesPerSecond: deliveries / elapsed,
      cpuMicrosPerDelivery: cpuMicros / deliveries,
      cpuMicrosPerPublish: cpuMicros / publishes,
      lost: published * n - received,
    };
  } finally {
    await closeLinks(links);
  }
}

export const fanOutScenario: Scenario = {
  id: 'fan-out',
  title: 'Fan-out: one publisher to N subscribers',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const { fanOut: sizes } = context.sizes;
    const results: Result[] = [];
    const notes: string[] = [];
    const facts: NonNullable<LabContext['facts']['fanOut']> = [];
    for (const n of sizes.subscribers) {
      if (Date.now() >= context.deadline) {
        notes.push(`N=${n}: skipped, the scenario's time budget was spent`);
        continue;
      }
      try {
        context.progress(`fan-out: N=${n} WebSocket`);
        const ws = await run(context, 'ws', n);
        context.progress(`fan-out: N=${n} MQTT`);
        const mqtt = await run(context, 'mqtt', n);
        results.push(ws, mqtt);
        const fact = (r: Result) => ({
          p99: r.summary.p99,
          cpuMicrosPerDelivery: r.cpuMicrosPerDelivery,
          lost: r.lost,
        });
        facts.push({ subscribers: n, ws: fact(ws), mqtt: fact(mqtt) });
      } catch (error) {
        notes.push(`N=${n}: failed — ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    context.facts.fanOut = facts;
    const label = (r: Result) => (r.protocol === 'ws' ? 'WebSocket server loop' : 'MQTT broker');
    const wsOf = (r: Result) =>
      results.find((o) => o.protocol === 'ws' && o.subscribers === r.subscribers);
    const byN = (protocol: 'ws' | 'mqtt', pick: (r: Result) => number | null) =>
      results
        .filter((r) => r.protocol === protocol)
        .map((r) => ({ x: `N=${r.subscribers}`, y: pick(r) ?? 0 }));
    return {
      method:
        `One publisher sends ${PAYLOAD_BYTES}-byte messages at min(${sizes.maxRate}, ${sizes.deliveriesPerSecond}/N) msgs/s for ${sizes.measureMs / 1000} s (after ${WARMUP_MS} ms unmeasured) to N subscribers, all plain TCP in the lab process. ` +
        'Latency: publisher send → subscriber receive, same clock. CPU: server process over the window / deliveries in it (MQTT: the Twinwire process, broker and API together).',
      tables: [
        {
          title: 'Fan-out delivery latency and server CPU',
          columns: [
            { key: 'n', label: 'subscribers' },
            { key: 'server', label: 'server' },
            { key: 'rate', label: 'published', unit: 'msgs/s' },
            { key: 'deliveries', label: 'deliveries', unit: 'msgs/s' },
            { key: 'p50', label: 'p50', unit: 'ms' },
            { key: 'p99', label: 'p99', unit: 'ms' },
            { key: 'max', label: 'max', unit: 'ms' },
            { key: 'cpu', label: 'CPU per delivery', unit: 'µs' },
            { key: 'cpuPublish', label: 'CPU per published msg', unit: 'µs' },
            { key: 'lost', label: 'lost' },
            { key: 'vsWs', label: 'CPU vs WebSocket' },
          ],
          rows: results.map((r) => ({
            n: r.subscribers,
            server: label(r),
            rate: r.rate,
            deliveries: num(r.deliveriesPerSecond, 0),
            p50: num(r.summary.p50, 3),
            p99: num(r.summary.p99, 3),
            max: num(r.summary.max, 3),
            cpu: num(r.cpuMicrosPerDelivery, 2),
            cpuPublish: num(r.cpuMicrosPerPublish, 1),
            lost: r.lost,
            vsWs:
              r.protocol === 'ws'
                ? 'baseline'
                : ratioText(r.cpuMicrosPerDelivery, wsOf(r)?.cpuMicrosPerDelivery),
          })),
        },
      ],
      charts: [
        {
          title: 'Fan-out delivery p99',
          kind: 'bar',
          xLabel: 'subscribers',
          yLabel: 'ms',
          series: [
            { name: 'WebSocket loop', points: byN('ws', (r) => num(r.summary.p99, 3)) },
            { name: 'MQTT broker', points: byN('mqtt', (r) => num(r.summary.p99, 3)) },
          ],
        },
        {
          title: 'Server CPU per delivery',
          kind: 'bar',
          xLabel: 'subscribers',
          yLabel: 'µs',
          series: [
            { name: 'WebSocket loop', points: byN('ws', (r) => num(r.cpuMicrosPerDelivery, 2)) },
            { name: 'MQTT broker', points: byN('mqtt', (r) => num(r.cpuMicrosPerDelivery, 2)) },
          ],
        },
      ],
      notes: [
        ...notes,
        'All subscribers live in the lab process; at large N its event loop is part of the measured delivery latency for both protocols alike.',
      ],
    };
  },
};
