/**
 * Scenario 5, unreliable network: every sender reaches its server through the fault proxy
 * (latency with jitter, random connection drops, and one outage of every connection midway)
 * and produces numbered readings at a steady pace. Loss and duplicates are counted by
 * sequence number at the receiver: the baseline's sink for WebSocket without acks, the
 * database (through the API) for the acknowledged WebSocket device protocol, and a
 * persistent-session subscriber for MQTT QoS 0/1/2.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy, type FaultProxy } from '../../proxy/fault-proxy.ts';
import type { LabContext, Scenario, ScenarioOutput } from '../context.ts';
import { waitUntil } from '../stats.ts';
import {
  ackedDeviceWs,
  fireAndForgetWs,
  mqttPair,
  type Sender,
  type SequenceReceiver,
} from './reliable-clients.ts';

type Variant = NonNullable<LabContext['facts']['reliability']>[number]['variant'];

interface Lane {
  variant: Variant;
  label: string;
  proxy: FaultProxy;
  sender: Sender;
  /** The receiver has everything this lane can still deliver (drain ends early when all have). */
  complete(): boolean;
  /** Counts after the drain: unique readings and total deliveries (or stored rows). */
  count(): Promise<{ unique: number; total: number; dupFlagged?: number }>;
  close(): Promise<void>;
}

const VARIANT_LABELS: Record<Variant, string> = {
  'ws-no-ack': 'WebSocket, no acks',
  'ws-acked': 'WebSocket device protocol, acks after commit',
  'mqtt-qos0': 'MQTT QoS 0, persistent sessions',
  'mqtt-qos1': 'MQTT QoS 1, persistent sessions',
  'mqtt-qos2': 'MQTT QoS 2, persistent sessions',
};

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Opens every lane into `lanes` (so a failure halfway still closes those opened). */
async function openLanes(
  context: LabContext,
  proxyFor: (port: number) => Promise<FaultProxy>,
  lanes: Lane[],
): Promise<void> {
  const stream = `rel-${context.runId}`;
  const wsProxy = await proxyFor(portOf(context.endpoints.ws));
  const noAck = fireAndForgetWs(`${wsProxy.url('ws')}/sink?stream=${stream}`);
  lanes.push({
    variant: 'ws-no-ack',
    label: VARIANT_LABELS['ws-no-ack'],
    proxy: wsProxy,
    sender: noAck,
    complete: () => noAck.settled(),
    count: async () => {
      const stats = await context.wsServer.sink(stream);
      return { unique: stats.unique, total: stats.received };
    },
    close: () => noAck.close(),
  });

  const deviceId = `lab-${context.runId}-rel`;
  const secret = await context.api.provisionDevice(deviceId, `protocol lab ${deviceId}`);
  const apiProxy = await proxyFor(portOf(context.target.urls.api));
  const startedAt = Date.now();
  const acked = ackedDeviceWs(`${apiProxy.url('ws')}/ws/device`, deviceId, secret);
  lanes.push({
    variant: 'ws-acked',
    label: VARIANT_LABELS['ws-acked'],
    proxy: apiProxy,
    sender: acked,
    complete: () => acked.settled(),
    count: async () => {
      const rows = await context.api.readingKeys(deviceId, {
        from: startedAt - 1_000,
        to: Date.now() + 60_000,
      });
      return { unique: new Set(rows.map((r) => r.seq)).size, total: rows.length };
    },
    close: async () => {
      await acked.close();
      await context.api.deleteDevice(deviceId).catch(() => undefined);
    },
  });

  for (const qos of [0, 1, 2] as const) {
    const proxy = await proxyFor(portOf(context.endpoints.mqtt));
    const variant = `mqtt-qos${qos}` as const;
    const pair: { sender: Sender; receiver: SequenceReceiver } = await mqttPair({
      url: proxy.url('mqtt'),
      topic: `${context.topicPrefix}/rel/q${qos}`,
      qos,
      clientIdPrefix: `user/lab-${context.runId}-rel-q${qos}`,
      auth: context.target.mqttAuth,
    });
    lanes.push({
      variant,
      label: VARIANT_LABELS[variant],
      proxy,
      sender: pair.sender,
      complete: () =>
        pair.sender.settled() && (qos === 0 || pair.receiver.unique() >= pair.sender.sent),
      count: () =>
        Promise.resolve({
          unique: pair.receiver.unique(),
          total: pair.receiver.received,
          dupFlagged: pair.receiver.dupFlagged,
        }),
      close: async () => {
        await pair.sender.close();
        await pair.receiver.close();
      },
    });
  }
}

export const unreliableScenario: Scenario = {
  id: 'unreliable-network',
  title: 'Unreliable network: lost and duplicated readings',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const sizes = context.sizes.unreliable;
    const faults = { latencyMs: 5, jitterMs: 5, dropsPerMinute: sizes.dropsPerMinute };
    const proxies: FaultProxy[] = [];
    const proxyFor = async (port: number) => {
      // No resets while the lanes connect: a reset during a CONNECT fails the set-up, not the
      // protocol (likelier on a loaded machine, where connecting takes longer).
      const proxy = await startFaultProxy({
        target: { host: '127.0.0.1', port },
        faults: { ...faults, dropsPerMinute: 0 },
      });
      proxies.push(proxy);
      return proxy;
    };
    const lanes: Lane[] = [];
    try {
      await openLanes(context, proxyFor, lanes);
      for (const proxy of proxies) proxy.setFaults({ dropsPerMinute: faults.dropsPerMinute });
      context.progress(
        `unreliable-network: ${sizes.runMs / 1000} s of readings through the fault proxy`,
      );
      let seq = 0;
      const timer = setInterval(() => {
        seq += 1;
        for (const lane of lanes) lane.sender.send(seq);
      }, 1000 / sizes.ratePerSecond);
      await sleep(sizes.runMs / 2);
      context.progress(`unreliable-network: outage of ${sizes.outageMs / 1000} s`);
      await Promise.all(proxies.map((proxy) => proxy.outage(sizes.outageMs)));
      await sleep(Math.max(0, sizes.runMs / 2 - sizes.outageMs));
      clearInterval(timer);
      // The network heals; whatever the protocol still owes is delivered now or never.
      for (const proxy of proxies) proxy.setFaults({ dropsPerMinute: 0 });
      context.progress('unreliable-network: draining');
      await waitUntil(() => lanes.every((lane) => lane.complete()), sizes.drainMs);
      await sleep(1_000);
      const rows: NonNullable<LabContext['facts']['reliability']> = [];
      const tableRows = [];
      for (const lane of lanes) {
        const { unique, total, dupFlagged } = await lane.count();
        const stats = lane.proxy.stats();
        const lost = lane.sender.sent - unique;
        const drained = lane.complete();
        const duplicates = total - unique;
        rows.push({
          variant: lane.variant,
          sent: lane.sender.sent,
          lost,
          duplicates,
          settled: drained,
        });
        tableRows.push({
          variant: lane.label,
          sent: lane.sender.sent,
          received: unique,
          lost,
          duplicates,
          resent: lane.variant === 'ws-no-ack' ? null : lane.sender.resent,
          dupFlagged: dupFlagged ?? null,
          drops: stats.dropped,
          connections: stats.connections,
          drained: drained ? 'yes' : 'no',
        });
      }
      context.facts.reliability = rows;
      return {
        method:
          `${sizes.ratePerSecond} readings/s per lane for ${sizes.runMs / 1000} s, each lane through its own fault proxy: ${faults.latencyMs} ± ${faults.jitterMs} ms latency, ${sizes.dropsPerMinute} random connection resets per minute, and at half time an outage of ${sizes.outageMs / 1000} s cutting every connection. ` +
          `Then drops stop and each lane has up to ${sizes.drainMs / 1000} s to deliver what it owes. Lost = sent − distinct sequence numbers at the receiver; duplicates = deliveries (or stored rows) beyond the distinct ones.`,
        tables: [
          {
            title: 'Readings through the fault proxy',
            columns: [
              { key: 'variant', label: 'lane' },
              { key: 'sent', label: 'sent' },
              { key: 'received', label: 'received (distinct)' },
              { key: 'lost', label: 'lost' },
              { key: 'duplicates', label: 'duplicates' },
              { key: 'resent', label: 'sent again by the device' },
              { key: 'dupFlagged', label: 'deliveries flagged DUP' },
              { key: 'drops', label: 'connections cut' },
              { key: 'connections', label: 'connections made' },
              { key: 'drained', label: 'settled by the end' },
            ],
            rows: tableRows,
          },
        ],
        charts: [
          {
            title: 'Readings lost and duplicated through the fault proxy',
            kind: 'bar',
            xLabel: 'lane',
            yLabel: 'readings',
            series: [
              { name: 'lost', points: rows.map((r) => ({ x: r.variant, y: r.lost })) },
              { name: 'duplicates', points: rows.map((r) => ({ x: r.variant, y: r.duplicates })) },
            ],
          },
        ],
        notes: [
          '“Settled by the end”: the lane owed nothing when counting began (its sender had every reading confirmed and, for MQTT QoS 1/2, its subscriber had every sequence number); “no” means the drain budget ran out first, so part of “lost” may be readings still owed rather than gone.',
          'WebSocket without acks keeps readings produced while disconnected and sends them after reconnecting; what it loses is what a dying connection swallowed.',
          'The acknowledged WebSocket lane is checked in PostgreSQL through the API (GET /devices/:id/telemetry): its duplicates column counts stored rows, which the idempotent store keeps at one per reading however often it is resent.',
          'MQTT lanes: publisher and subscriber both keep a persistent session (clean: false) and both go through the proxy; QoS 0 messages for a disconnected subscriber are not queued by the broker.',
        ],
      };
    } finally {
      for (const lane of lanes) await lane.close().catch(() => undefined);
      for (const proxy of proxies) await proxy.close();
    }
  },
};
