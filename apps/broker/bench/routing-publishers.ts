/**
 * The routing publishers, in a worker thread so that publishing and receiving (the
 * subscriber, in the main thread) each get a core's worth of event loop. Driven by
 * messages from routing-load.ts; one request at a time, one reply each.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MqttClient } from 'mqtt';
import { closeAll, connectClient } from './clients.ts';

export const PAYLOAD_BYTES = 100;
export const topicOf = (publisher: number) => `devices/bench-${publisher}/commands/noop`;

/** process.hrtime is one monotonic clock for every thread of the process. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Scenario {
  qos: 0 | 1;
  /** Messages per second across all publishers, or 'max': as fast as back-pressure allows. */
  rate: number | 'max';
}

export interface PublishersInit {
  port: number;
  count: number;
  /** Client ids are `service/pub-<n>`; credentials are the same for every publisher. */
  username: string | undefined;
  password: string | undefined;
  /** Int32 per publisher: deliveries the subscriber has seen in the current run. */
  delivered: SharedArrayBuffer;
  /** MQTT 3.1.1 (4) or 5.0 (5), as the subscriber of the same load. */
  protocolVersion: 4 | 5;
}

export type PublishersCommand =
  | { type: 'start'; runId: number; scenario: Scenario; window: number }
  | { type: 'sent' }
  | { type: 'stop' }
  | { type: 'close' };

export type PublishersReply =
  { type: 'ready' } | { type: 'sent'; sent: number } | { type: 'error'; message: string };

// Layout: [0, 8) send time (monotonicMs, float64 LE); [8] run id; [9, 13) publisher index.
const template = Buffer.alloc(PAYLOAD_BYTES, 0x2e);

function payload(run: number, publisher: number): Buffer {
  const buffer = Buffer.from(template);
  buffer.writeDoubleLE(monotonicMs(), 0);
  buffer[8] = run;
  buffer.writeUInt32LE(publisher, 9);
  return buffer;
}

class Publishers {
  private sent = 0;
  private sentBy: number[] = [];
  private stopCurrent: () => void = () => undefined;
  private readonly delivered: Int32Array;

  constructor(
    private readonly clients: MqttClient[],
    delivered: SharedArrayBuffer,
  ) {
    this.delivered = new Int32Array(delivered);
  }

  get total(): number {
    return this.sent;
  }

  start(runId: number, scenario: Scenario, window: number): void {
    this.sent = 0;
    this.sentBy = new Array<number>(this.clients.length).fill(0);
    let running = true;
    const publish = (publisher: number, onAck?: () => void) => {
      this.sent += 1;
      this.sentBy[publisher]! += 1;
      const client = this.clients[publisher]!;
      const body = payload(runId, publisher);
      if (onAck) client.publish(topicOf(publisher), body, { qos: 1 }, onAck);
      else client.publish(topicOf(publisher), body, { qos: scenario.qos });
    };
    const count = this.clients.length;
    let timer: NodeJS.Timeout | undefined;

    if (scenario.rate !== 'max') {
      // A 1 ms timer sends whatever the schedule says is due, round-robin over publishers:
      // the offered rate holds when a tick comes late, and nothing spins.
      const perMs = scenario.rate / 1000;
      const started = performance.now();
      let next = 0;
      timer = setInterval(() => {
        const due = Math.floor((performance.now() - started) * perMs) - this.sent;
        for (let i = 0; i < due; i += 1) {
          publish(next);
          next = (next + 1) % count;
        }
      }, 1);
    } else if (scenario.qos === 1) {
      // Each PUBACK releases the publisher's next message: `window` in flight each.
      const sendFrom = (publisher: number) => {
        if (running) {
          publish(publisher, () => {
            sendFrom(publisher);
          });
        }
      };
      for (let p = 0; p < count; p += 1) for (let i = 0; i < window; i += 1) sendFrom(p);
    } else {
      // QoS 0 has no acknowledgement: a publisher may have `window` messages not yet seen
      // by the subscriber, so a broker that falls behind slows the publishers instead of
      // filling socket buffers. Topped up every 1 ms.
      timer = setInterval(() => {
        for (let p = 0; p < count; p += 1) {
          const outstanding = this.sentBy[p]! - Atomics.load(this.delivered, p);
          for (let i = outstanding; i < window; i += 1) publish(p);
        }
      }, 1);
    }
    this.stopCurrent = () => {
      running = false;
      clearInterval(timer);
    };
  }

  stop(): void {
    this.stopCurrent();
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('routing-publishers.ts runs as a worker thread');
  const init = workerData as PublishersInit;
  const reply = (message: PublishersReply) => {
    port.postMessage(message);
  };
  const clients = await Promise.all(
    Array.from({ length: init.count }, (_, index) =>
      connectClient(init.port, {
        clientId: `service/pub-${index}`,
        protocolVersion: init.protocolVersion,
        ...(init.username === undefined ? {} : { username: init.username }),
        ...(init.password === undefined ? {} : { password: init.password }),
      }),
    ),
  );
  const publishers = new Publishers(clients, init.delivered);
  port.on('message', (command: PublishersCommand) => {
    switch (command.type) {
      case 'start':
        publishers.start(command.runId, command.scenario, command.window);
        reply({ type: 'ready' });
        return;
      case 'sent':
        reply({ type: 'sent', sent: publishers.total });
        return;
      case 'stop':
        publishers.stop();
        reply({ type: 'sent', sent: publishers.total });
        return;
      case 'close':
        publishers.stop();
        void closeAll(clients).then(() => {
          reply({ type: 'ready' });
          port.close();
        });
        return;
    }
  });
  reply({ type: 'ready' });
}

if (parentPort) {
  main().catch((error: unknown) => {
    parentPort?.postMessage({
      type: 'error',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies PublishersReply);
  });
}
