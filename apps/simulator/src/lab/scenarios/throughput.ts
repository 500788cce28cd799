/**
 * Scenario 3a, throughput and server cost: C devices send 64-byte messages one way, at a
 * fixed rate and then as fast as their window allows. WebSocket: to the baseline server,
 * which consumes them. MQTT: QoS 0 through the broker to one subscribing application (the
 * broker's job is routing). Server CPU per message comes from /proc of the server process.
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
import { cpuWindow, writeSyscalls } from '../proc-stats.ts';
import { num, ratioText } from '../stats.ts';
import {
  isMqtt,
  isTls,
  MQTT5_TRANSPORT,
  TRANSPORT_LABELS,
  type Link,
  type Transport,
} from '../transports.ts';
import { closeLinks, openLabLink } from './links.ts';

const PAYLOAD_BYTES = 64;
const WARMUP_MS = 300;
const MAX_BUFFERED_BYTES = 256 * 1024;

interface Phase {
  rate: number | 'max';
  deliveredPerSecond: number;
  cpuMicrosPerMessage: number;
  cores: number;
  /** Write system calls the sending (lab) process made per message sent. */
  clientWritesPerMessage: number;
}

/** The connections of one transport and how deliveries are counted for them. */
interface Rig {
  senders: Link[];
  acked: number[];
  delivered(): Promise<number>;
  serverPid: number | undefined;
  close(): Promise<void>;
}

async function openRig(context: LabContext, transport: Transport): Promise<Rig> {
  const { connections } = context.sizes.throughput;
  const acked = new Array<number>(connections).fill(0);
  const senders: Link[] = [];
  const links: Link[] = [];
  try {
    if (!isMqtt(transport)) {
      for (let c = 0; c < connections; c++) {
        const link = await openLabLink(context, transport, `tp-${transport}-${c}`, {
          wsPath: '/sink',
          publish: '',
        });
        link.onMessage((credit) => {
          if (credit.length >= 4) acked[c] = credit.readUInt32LE(0);
        });
        senders.push(link);
      }
      links.push(...senders);
      return {
        senders,
        acked,
        delivered: async () => (await context.wsServer.totals()).received,
        serverPid: context.wsServer.pid,
        close: () => closeLinks(links),
      };
    }
    let received = 0;
    const subscriber = await openLabLink(context, 'mqtt', `tp-${transport}-sub`, {
      wsPath: '',
      publish: `tp/${transport}/sub`,
      subscribe: `tp/${transport}/+`,
    });
    links.push(subscriber);
    subscriber.onMessage((data) => {
      received += 1;
      const c = data.readUInt32LE(0);
      if (c < acked.length) acked[c] = (acked[c] ?? 0) + 1;
    });
    for (let c = 0; c < connections; c++) {
      senders.push(
        await openLabLink(context, transport, `tp-${transport}-${c}`, {
          wsPath: '',
          publish: `tp/${transport}/${c}`,
        }),
      );
    }
    links.push(...senders);
    return {
      senders,
      acked,
      delivered: () => Promise.resolve(received),
      serverPid: context.target.pid,
      close: () => closeLinks(links),
    };
  } catch (error) {
    await closeLinks(links);
    throw error;
  }
}

async function runPhase(
  rig: Rig,
  rate: number | 'max',
  measureMs: number,
  window: number,
): Promise<Phase> {
  const lanes = rig.senders.map((link, c) => {
    const payload = Buffer.alloc(PAYLOAD_BYTES);
    payload.writeUInt32LE(c, 0);
    return { link, c, payload, sent: 0, ackedAtStart: rig.acked[c] ?? 0 };
  });
  const started = performance.now();
  let running = true;
  const perConnection = rate === 'max' ? Infinity : rate / rig.senders.length;
  const pump = () => {
    if (!running) return;
    const elapsed = (performance.now() - started) / 1000;
    for (const lane of lanes) {
      const due = perConnection === Infinity ? Infinity : Math.floor(elapsed * perConnection);
      const confirmed = () => (rig.acked[lane.c] ?? 0) - lane.ackedAtStart;
      let budget = 256;
      while (
        budget-- > 0 &&
        lane.sent < due &&
        lane.sent - confirmed() < window &&
        lane.link.buffered() < MAX_BUFFERED_BYTES
      ) {
        lane.link.send(lane.payload);
        lane.sent += 1;
      }
    }
    if (rate === 'max') setImmediate(pump);
    else setTimeout(pump, 2);
  };
  pump();
  await sleep(WARMUP_MS);
  const cpu = cpuWindow(rig.serverPid);
  const writesBefore = writeSyscalls();
  const sentBefore = lanes.reduce((sum, lane) => sum + lane.sent, 0);
  const before = await rig.delivered();
  const windowStart = performance.now();
  await sleep(measureMs);
  const after = await rig.delivered();
  const elapsedMs = performance.now() - windowStart;
  const cpuMicros = cpu.stop();
  const writes = writeSyscalls() - writesBefore;
  const sentInWindow = lanes.reduce((sum, lane) => sum + lane.sent, 0) - sentBefore;
  running = false;
  await sleep(200);
  const messages = after - before;
  return {
    rate,
    deliveredPerSecond: messages / (elapsedMs / 1000),
    cpuMicrosPerMessage: cpuMicros / messages,
    cores: cpuMicros / (elapsedMs * 1000),
    clientWritesPerMessage: writes / sentInWindow,
  };
}

function versusV3(phase: Phase, v3: Phase | undefined): string {
  return `CPU ${ratioText(phase.cpuMicrosPerMessage, v3?.cpuMicrosPerMessage)}, rate ${ratioText(phase.deliveredPerSecond, v3?.deliveredPerSecond)}`;
}

export const throughputScenario: Scenario = {
  id: 'throughput',
  title: 'Throughput and server CPU per message',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const sizes = context.sizes.throughput;
    const transports = context.transports.filter((t) => t !== 'mqtt-wss');
    const phases: PerTransport<Phase[]> = {};
    const notes: string[] = [];
    for (const transport of transports) {
      if (Date.now() >= context.deadline) {
        notes.push(`${transport}: skipped, the scenario's time budget was spent`);
        continue;
      }
      context.progress(`throughput: ${transport}`);
      let rig: Rig | undefined;
      try {
        rig = await openRig(context, transport);
        const results = [await runPhase(rig, sizes.rate, sizes.measureMs, sizes.window)];
        results.push(await runPhase(rig, 'max', sizes.measureMs, sizes.window));
        phases[transport] = results;
      } catch (error) {
        notes.push(
          `${transport}: failed — ${error instanceof Error ? error.message : String(error)}`,
        );
      } finally {
        await rig?.close();
      }
    }
    const measured = entriesOf(phases, transports);
    context.facts.throughput = Object.fromEntries(
      measured.map(([t, [fixed, max]]) => {
        return [
          t,
          {
            fixedMsgsPerSecond: fixed?.deliveredPerSecond ?? Number.NaN,
            cpuMicrosPerMessage: fixed?.cpuMicrosPerMessage ?? Number.NaN,
            maxMsgsPerSecond: max?.deliveredPerSecond ?? Number.NaN,
          },
        ];
      }),
    );
    const counterpart = (t: Transport): Transport => (isTls(t) ? 'wss' : 'ws');
    const rows = measured.flatMap(([t, results]) =>
      results.map((phase, index) => {
        const ws = phases[counterpart(t)]?.[index];
        return {
          transport: TRANSPORT_LABELS[t],
          load:
            phase.rate === 'max'
              ? `saturation (window ${sizes.window}/conn)`
              : `fixed ${phase.rate} msgs/s`,
          delivered: num(phase.deliveredPerSecond, 0),
          cpu: num(phase.cpuMicrosPerMessage, 2),
          cores: num(phase.cores, 2),
          writes: num(phase.clientWritesPerMessage, 3),
          vsWs: isMqtt(t)
            ? `CPU ${ratioText(phase.cpuMicrosPerMessage, ws?.cpuMicrosPerMessage)}, rate ${ratioText(phase.deliveredPerSecond, ws?.deliveredPerSecond)}`
            : 'baseline',
          vsV3: t === MQTT5_TRANSPORT ? versusV3(phase, phases.mqtt?.[index]) : '',
        };
      }),
    );
    const server =
      context.target.pid === undefined
        ? 'not measurable (remote target)'
        : 'the Twinwire process (broker and API share it; PostgreSQL is separate)';
    return {
      method:
        `${sizes.connections} device connections send ${PAYLOAD_BYTES}-byte messages one way: ${sizes.measureMs / 1000} s at a fixed ${sizes.rate} msgs/s in total, then ${sizes.measureMs / 1000} s at saturation (each connection keeps at most ${sizes.window} unconfirmed), after ${WARMUP_MS} ms unmeasured each. ` +
        `WebSocket: baseline server consumes (credit every 50 messages). MQTT: QoS 0 through the broker to one MQTT/TCP subscriber (3.1.1; for the MQTT 5 row the devices speak MQTT 5 with topic aliases). CPU: server process user+system time over the window / messages delivered in it; MQTT server: ${server}.`,
      tables: [
        {
          title: 'Delivered msgs/s and server CPU per message',
          columns: [
            { key: 'transport', label: 'transport' },
            { key: 'load', label: 'load' },
            { key: 'delivered', label: 'delivered', unit: 'msgs/s' },
            { key: 'cpu', label: 'server CPU', unit: 'µs/msg' },
            { key: 'cores', label: 'server cores used' },
            { key: 'writes', label: 'device write syscalls per msg' },
            { key: 'vsWs', label: 'vs WebSocket' },
            { key: 'vsV3', label: 'MQTT 5 vs 3.1.1' },
          ],
          rows,
        },
      ],
      charts: [
        {
          title: `Server CPU per message at ${sizes.rate} msgs/s`,
          kind: 'bar',
          xLabel: 'transport',
          yLabel: 'µs/msg',
          series: [
            {
              name: 'CPU µs/msg',
              points: measured.map(([t, [fixed]]) => ({
                x: t,
                y: num(fixed?.cpuMicrosPerMessage, 2) ?? 0,
              })),
            },
          ],
        },
        {
          title: 'Saturation throughput',
          kind: 'bar',
          xLabel: 'transport',
          yLabel: 'msgs/s',
          series: [
            {
              name: 'delivered msgs/s',
              points: measured.map(([t, [, max]]) => ({
                x: t,
                y: num(max?.deliveredPerSecond, 0) ?? 0,
              })),
            },
          ],
        },
      ],
      notes: [
        ...notes,
        'The load generator runs in the lab process on the same cores as the servers, so saturation numbers are a floor for the servers, and the same floor for both protocols.',
        'Device write syscalls per message (the lab process’s /proc/self/io syscw over the window / messages sent): a plain Node socket writes each message with a system call of its own, while the TLS layer gathers many small writes into few records and calls — why saturated TLS can outrun clear text here. Node’s behaviour, not the protocols’.',
        'MQTT over WebSocket + TLS is left out here: its TLS is terminated outside the broker, so the broker’s CPU would not include it.',
      ],
    };
  },
};
