/**
 * The routing load: publishers in a worker thread (routing-publishers.ts), the subscriber
 * here. Both stamp and read process.hrtime, one monotonic clock for the whole process.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { MqttClient } from 'mqtt';
import { CpuAccount, type CpuSplit } from './machine.ts';
import {
  monotonicMs,
  type PublishersCommand,
  type PublishersInit,
  type PublishersReply,
  type Scenario,
} from './routing-publishers.ts';
import { Samples, waitUntil } from './stats.ts';
import type { BrokerTarget } from './targets.ts';

export type { Scenario };
export const SUBSCRIPTION = 'devices/+/commands/+';

export interface Phases {
  warmupMs: number;
  measureMs: number;
  /** At saturation: messages a publisher may have outstanding (QoS 1: un-PUBACKed; QoS 0: undelivered). */
  window: { qos0: number; qos1: number };
}

export interface Measurement {
  scenario: Scenario;
  /** Deliveries per second inside the measured window. */
  deliveredPerSecond: number;
  sentPerSecond: number;
  latencies: Samples;
  cpuMicrosPerMessage: number;
  cpu: CpuSplit;
  rss: number;
  /** Sent but never delivered once the run had drained. */
  lost: number;
}

interface RunState {
  id: number;
  counting: boolean;
  received: number;
  counted: number;
  latencies: Samples;
}

export class RoutingLoad {
  private nextRunId = 1;
  private current: RunState | undefined;
  private readonly delivered: Int32Array;
  private readonly account: CpuAccount;

  private constructor(
    private readonly target: BrokerTarget,
    private readonly worker: Worker,
    private readonly replies: () => Promise<PublishersReply>,
    subscriber: MqttClient,
    delivered: SharedArrayBuffer,
  ) {
    this.delivered = new Int32Array(delivered);
    this.account = new CpuAccount(() => target.cpuMicros(), undefined);
    subscriber.on('message', (_topic, message) => {
      const run = this.current;
      // A late delivery from an earlier run is neither counted nor timed.
      if (!run || run.id !== message[8]) return;
      run.received += 1;
      if (run.counting) {
        run.counted += 1;
        run.latencies.add(monotonicMs() - message.readDoubleLE(0));
      }
      Atomics.add(this.delivered, message.readUInt32LE(9), 1);
    });
  }

  /** Starts the publishers' worker and waits until they are all connected. */
  static async open(
    target: BrokerTarget,
    subscriber: MqttClient,
    publishers: { count: number; username?: string; password?: string; protocolVersion: 4 | 5 },
  ): Promise<RoutingLoad> {
    const delivered = new SharedArrayBuffer(4 * publishers.count);
    const workerData: PublishersInit = {
      port: target.mqttPort,
      count: publishers.count,
      username: publishers.username,
      password: publishers.password,
      delivered,
      protocolVersion: publishers.protocolVersion,
    };
    // On Node 20 a worker does not get the tsx loader the CLI registered (nor one from
    // --import): its entry loads the TypeScript module through tsx's API instead.
    const entry = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(import.meta.resolve('./routing-publishers.ts'))}, ${JSON.stringify(import.meta.url)}))`;
    const worker = new Worker(entry, { eval: true, workerData });
    const queue: PublishersReply[] = [];
    const waiting: ((reply: PublishersReply) => void)[] = [];
    const deliver = (reply: PublishersReply) => {
      const waiter = waiting.shift();
      if (waiter) waiter(reply);
      else queue.push(reply);
    };
    worker.on('message', deliver);
    worker.on('error', (error) => {
      deliver({ type: 'error', message: error.stack ?? error.message });
    });
    const replies = async () => {
      const reply = queue.shift() ?? (await new Promise<PublishersReply>((r) => waiting.push(r)));
      if (reply.type === 'error') throw new Error(`publisher worker: ${reply.message}`);
      return reply;
    };
    const load = new RoutingLoad(target, worker, replies, subscriber, delivered);
    await replies();
    return load;
  }

  private async request(command: PublishersCommand): Promise<PublishersReply> {
    this.worker.postMessage(command);
    return this.replies();
  }

  private async sent(command: PublishersCommand): Promise<number> {
    const reply = await this.request(command);
    return reply.type === 'sent' ? reply.sent : 0;
  }

  async run(scenario: Scenario, phases: Phases): Promise<Measurement> {
    const run: RunState = {
      id: (this.nextRunId++ % 255) + 1,
      counting: false,
      received: 0,
      counted: 0,
      latencies: new Samples(),
    };
    this.current = run;
    this.delivered.fill(0);
    const window = scenario.qos === 0 ? phases.window.qos0 : phases.window.qos1;
    await this.request({ type: 'start', runId: run.id, scenario, window });

    await sleep(phases.warmupMs);
    const before = this.account.snapshot();
    const sentBefore = await this.sent({ type: 'sent' });
    run.counting = true;
    await sleep(phases.measureMs);
    run.counting = false;
    const sentAfter = await this.sent({ type: 'sent' });
    const after = this.account.snapshot();
    const total = await this.sent({ type: 'stop' });

    await waitUntil(() => run.received >= total, 5_000);
    const elapsedS = (after.at - before.at) / 1000;
    return {
      scenario,
      deliveredPerSecond: run.counted / elapsedS,
      sentPerSecond: (sentAfter - sentBefore) / elapsedS,
      latencies: run.latencies,
      cpuMicrosPerMessage: (after.broker - before.broker) / run.counted,
      cpu: CpuAccount.split(before, after),
      rss: await this.target.rss(),
      lost: total - run.received,
    };
  }

  async close(): Promise<void> {
    await this.request({ type: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
