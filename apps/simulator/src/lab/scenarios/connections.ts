/**
 * Scenario 3b, idle connections: N connections per protocol held open doing nothing (MQTT
 * clients each with one subscription, like a device listening for commands). Server memory
 * per connection from the server process's RSS before and after, and the server CPU spent
 * accepting them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import {
  entriesOf,
  type LabContext,
  type PerTransport,
  type Scenario,
  type ScenarioOutput,
} from '../context.ts';
import { cpuWindow, openFileLimit, rssBytes } from '../proc-stats.ts';
import { num, pool } from '../stats.ts';
import { isMqtt, TRANSPORT_LABELS, type Link, type Transport } from '../transports.ts';
import { closeLinks, openLabLink } from './links.ts';

/** Each connection costs a descriptor in the lab and one in the server; keep a margin. */
const DESCRIPTOR_MARGIN = 500;
const SETTLE_MS = 1_500;

/** Throws when this process may not open `count` sockets at once. */
function checkDescriptorLimit(count: number, limit = openFileLimit()): void {
  if (limit !== undefined && count + DESCRIPTOR_MARGIN > limit) {
    throw new Error(
      `ulimit -n is ${limit}, but the connections scenario holds ${count} connections per protocol: ` +
        `raise it (ulimit -n ${count + DESCRIPTOR_MARGIN * 2}) or choose the quick profile`,
    );
  }
}

interface Measurement {
  count: number;
  bytesPerConnection: number;
  rssBefore: number;
  rssAfter: number;
  connectSeconds: number;
  cpuMicrosPerConnect: number;
}

async function measure(
  context: LabContext,
  transport: Transport,
  count: number,
): Promise<Measurement> {
  const pid = isMqtt(transport) ? context.target.pid : context.wsServer.pid;
  if (!isMqtt(transport)) await context.wsServer.gc();
  await sleep(300);
  const rssBefore = pid === undefined ? Number.NaN : rssBytes(pid);
  const cpu = cpuWindow(pid);
  const links: Link[] = [];
  const started = performance.now();
  try {
    await pool(count, context.sizes.connections.concurrency, async (i) => {
      const link = await openLabLink(context, transport, `idle-${transport}-${i}`, {
        wsPath: '/idle',
        publish: `idle/${i}/up`,
        subscribe: `idle/${i}/down`,
      });
      links.push(link);
    });
    const connectSeconds = (performance.now() - started) / 1000;
    const cpuMicros = cpu.stop();
    await sleep(SETTLE_MS);
    if (!isMqtt(transport)) await context.wsServer.gc();
    const rssAfter = pid === undefined ? Number.NaN : rssBytes(pid);
    return {
      count,
      bytesPerConnection: (rssAfter - rssBefore) / count,
      rssBefore,
      rssAfter,
      connectSeconds,
      cpuMicrosPerConnect: cpuMicros / count,
    };
  } finally {
    context.progress(`connections: closing ${links.length} ${transport} connections`);
    for (let i = 0; i < links.length; i += 500) await closeLinks(links.slice(i, i + 500));
  }
}

export const connectionsScenario: Scenario = {
  id: 'connections',
  title: 'Idle connections: server memory per connection',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const { count } = context.sizes.connections;
    checkDescriptorLimit(count);
    const transports = (['ws', 'mqtt', 'mqtt-ws'] as const).filter((t) =>
      context.transports.includes(t),
    );
    const results: PerTransport<Measurement> = {};
    const notes: string[] = [];
    for (const transport of transports) {
      if (Date.now() >= context.deadline) {
        notes.push(`${transport}: skipped, the scenario's time budget was spent`);
        continue;
      }
      context.progress(`connections: ${count} ${transport}`);
      try {
        results[transport] = await measure(context, transport, count);
      } catch (error) {
        notes.push(
          `${transport}: failed — ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      await sleep(1_000);
    }
    const measured = entriesOf(results, transports);
    context.facts.connections = {
      count,
      bytesPerConnection: Object.fromEntries(measured.map(([t, m]) => [t, m.bytesPerConnection])),
    };
    const mib = (bytes: number) => num(bytes / 2 ** 20, 1);
    return {
      method:
        `${count} connections per protocol, opened ${context.sizes.connections.concurrency} at a time and held idle; MQTT clients (anonymous, keepalive 120 s) each subscribe to one topic. ` +
        `Memory per connection = (server RSS after − before) / ${count}, read ${SETTLE_MS / 1000} s after the last connect; the WebSocket server is garbage-collected before each reading (the Twinwire process cannot be, so its numbers include garbage). ` +
        'Servers: raw WebSocket = the baseline process (ws library); MQTT = the Twinwire process (broker and API).',
      tables: [
        {
          title: `${count} idle connections per protocol`,
          columns: [
            { key: 'transport', label: 'transport' },
            { key: 'server', label: 'server' },
            { key: 'perConnection', label: 'memory per connection', unit: 'KiB' },
            { key: 'before', label: 'RSS before', unit: 'MiB' },
            { key: 'after', label: 'RSS after', unit: 'MiB' },
            { key: 'connectRate', label: 'connects/s', unit: 'conn/s' },
            { key: 'cpu', label: 'server CPU per connect', unit: 'µs' },
          ],
          rows: measured.map(([t, m]) => {
            return {
              transport: TRANSPORT_LABELS[t],
              server: isMqtt(t) ? 'Twinwire broker' : 'raw WebSocket server',
              perConnection: num(m.bytesPerConnection / 1024, 2),
              before: mib(m.rssBefore),
              after: mib(m.rssAfter),
              connectRate: num(m.count / m.connectSeconds, 0),
              cpu: num(m.cpuMicrosPerConnect, 0),
            };
          }),
        },
      ],
      charts: [
        {
          title: `Server memory per idle connection (${count} connections)`,
          kind: 'bar',
          xLabel: 'transport',
          yLabel: 'KiB per connection',
          series: [
            {
              name: 'RSS per connection',
              points: measured.map(([t, m]) => ({
                x: t,
                y: num(m.bytesPerConnection / 1024, 2) ?? 0,
              })),
            },
          ],
        },
      ],
      notes: [
        ...notes,
        'TLS variants are not held idle by the thousand: a TLS connection adds the TLS session state on top of the numbers here.',
        'RSS moves in steps (V8 heap growth, malloc arenas): small counts give noisy per-connection numbers; the full profile holds 10,000.',
      ],
    };
  },
};
