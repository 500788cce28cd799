/**
 * Scenario 1, latency: round trips device → server → device with one message in flight and
 * under load, for each transport. WebSocket goes straight to the baseline server, which
 * echoes; MQTT goes through the broker to an application (the helper process, subscribed
 * over MQTT/TCP) that answers through the broker: the broker hop the claim is about.
 */
import { performance } from 'node:perf_hooks';
import {
  entriesOf,
  type LabContext,
  type PerTransport,
  type Scenario,
  type ScenarioOutput,
} from '../context.ts';
import { LatencyRecorder, num, ratioText, type LatencySummary } from '../stats.ts';
import {
  baseProtocol,
  isTls,
  MQTT5_TRANSPORT,
  TRANSPORT_LABELS,
  type Link,
  type Transport,
} from '../transports.ts';
import { closeLinks, openEchoLink } from './links.ts';

const PAYLOAD_BYTES = 64;
const WARMUP_ROUND_TRIPS = 20;

function stamp(seq: number): Buffer {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  payload.writeDoubleLE(performance.now(), 0);
  payload.writeUInt32LE(seq, 8);
  return payload;
}

async function oneInFlight(link: Link, samples: number, deadline: number): Promise<LatencySummary> {
  const recorder = new LatencyRecorder();
  let waiting: (() => void) | undefined;
  link.onMessage((data) => {
    if (data.length >= 8) recorder.record(performance.now() - data.readDoubleLE(0));
    waiting?.();
  });
  for (let seq = 0; seq < samples + WARMUP_ROUND_TRIPS && Date.now() < deadline; seq++) {
    if (seq === WARMUP_ROUND_TRIPS) recorder.reset();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${link.transport}: echo lost`));
      }, 5_000);
      waiting = () => {
        clearTimeout(timer);
        resolve();
      };
      link.send(stamp(seq));
    });
  }
  return recorder.summary();
}

async function underLoad(
  links: Link[],
  window: number,
  durationMs: number,
): Promise<{ summary: LatencySummary; perSecond: number }> {
  const recorder = new LatencyRecorder();
  let recording = false;
  let sending = true;
  let seq = 0;
  for (const link of links) {
    link.onMessage((data) => {
      if (recording && data.length >= 8) recorder.record(performance.now() - data.readDoubleLE(0));
      if (sending) link.send(stamp(seq++));
    });
  }
  for (const link of links) for (let n = 0; n < window; n++) link.send(stamp(seq++));
  // A short unmeasured start, then the measured window.
  await new Promise((resolve) => setTimeout(resolve, Math.min(300, durationMs / 4)));
  recording = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  recording = false;
  const elapsed = performance.now() - started;
  sending = false;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const summary = recorder.summary();
  return { summary, perSecond: summary.count / (elapsed / 1000) };
}

export const latencyScenario: Scenario = {
  id: 'latency',
  title: 'Latency: WebSocket direct vs MQTT through the broker',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const { latency: sizes } = context.sizes;
    const idle: PerTransport<LatencySummary> = {};
    const load: PerTransport<LatencySummary> = {};
    const loadRates: PerTransport<number> = {};
    const notes: string[] = [];
    for (const transport of context.transports) {
      if (Date.now() >= context.deadline) {
        notes.push(`${transport}: skipped, the scenario's time budget was spent`);
        continue;
      }
      context.progress(`latency: ${transport}`);
      const links: Link[] = [];
      try {
        for (let c = 0; c < sizes.loadConnections; c++) {
          links.push(await openEchoLink(context, transport, `rtt-${transport}-${c}`));
        }
        const [first] = links;
        if (!first) throw new Error('no connection opened');
        idle[transport] = await oneInFlight(first, sizes.idleSamples, context.deadline);
        const loaded = await underLoad(links, sizes.loadWindow, sizes.loadMs);
        load[transport] = loaded.summary;
        loadRates[transport] = loaded.perSecond;
      } catch (error) {
        notes.push(
          `${transport}: failed — ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        await closeLinks(links);
      }
    }
    context.facts.latency = { idle, load };

    const counterpart = (transport: Transport): Transport => (isTls(transport) ? 'wss' : 'ws');
    const row = (transport: Transport, mode: string, summary: LatencySummary, rate?: number) => ({
      transport: TRANSPORT_LABELS[transport],
      path: baseProtocol(transport) === 'ws' ? 'direct to the server' : 'via the broker + app',
      mode,
      samples: summary.count,
      p50: num(summary.p50, 3),
      p90: num(summary.p90, 3),
      p99: num(summary.p99, 3),
      max: num(summary.max, 3),
      rate: num(rate, 0),
      vsWs: ratioText(summary.p50, (mode === 'idle' ? idle : load)[counterpart(transport)]?.p50),
      vsV3:
        transport === MQTT5_TRANSPORT
          ? ratioText(summary.p50, (mode === 'idle' ? idle : load).mqtt?.p50)
          : '',
    });
    const columns = [
      { key: 'transport', label: 'transport' },
      { key: 'path', label: 'path' },
      { key: 'samples', label: 'round trips' },
      { key: 'p50', label: 'p50', unit: 'ms' },
      { key: 'p90', label: 'p90', unit: 'ms' },
      { key: 'p99', label: 'p99', unit: 'ms' },
      { key: 'max', label: 'max', unit: 'ms' },
      { key: 'rate', label: 'round trips/s', unit: 'msgs/s' },
      { key: 'vsWs', label: 'p50 vs WebSocket' },
      { key: 'vsV3', label: 'p50 vs MQTT 3.1.1' },
    ];
    const transports = context.transports.filter((t) => idle[t] !== undefined);
    const inFlight = sizes.loadConnections * sizes.loadWindow;
    return {
      method:
        `Round trip of a ${PAYLOAD_BYTES}-byte message, timed with one monotonic clock in the lab process. ` +
        `One in flight: ${sizes.idleSamples} sequential round trips after ${WARMUP_ROUND_TRIPS} unrecorded. ` +
        `Under load: ${sizes.loadConnections} connections × ${sizes.loadWindow} in flight for ${sizes.loadMs / 1000} s (closed loop). ` +
        'WebSocket: device → baseline server (echo) → device. MQTT: device → broker → application (MQTT/TCP client in the helper process) → broker → device, QoS 0. MQTT 5/TCP: the same path with the device speaking MQTT 5 with topic aliases both ways (the application stays on 3.1.1).',
      tables: [
        {
          title: 'Round trip, one message in flight',
          columns: columns.filter((c) => c.key !== 'rate'),
          rows: entriesOf(idle, transports).map(([t, summary]) => row(t, 'idle', summary)),
        },
        {
          title: `Round trip under load (${inFlight} in flight)`,
          columns,
          rows: transports.flatMap((t) => (load[t] ? [row(t, 'load', load[t], loadRates[t])] : [])),
        },
      ],
      charts: [
        {
          title: 'Round trip, one in flight',
          kind: 'bar',
          xLabel: 'transport',
          yLabel: 'ms',
          series: (['p50', 'p99'] as const).map((key) => ({
            name: key,
            points: entriesOf(idle, transports).map(([t, summary]) => ({
              x: t,
              y: num(summary[key], 3) ?? 0,
            })),
          })),
        },
        {
          title: `Round trip under load (${inFlight} in flight)`,
          kind: 'bar',
          xLabel: 'transport',
          yLabel: 'ms',
          series: (['p50', 'p99'] as const).map((key) => ({
            name: key,
            points: transports.flatMap((t) =>
              load[t] ? [{ x: t, y: num(load[t][key], 3) ?? 0 }] : [],
            ),
          })),
        },
      ],
      notes: [
        ...notes,
        'MQTT over WebSocket + TLS reaches the broker through a TLS terminator in the lab helper process (the broker serves MQTT over WebSocket in clear only): one extra loopback hop each way.',
        'Clients and servers share the machine; the lab process runs the clients of every row.',
      ],
    };
  },
};
