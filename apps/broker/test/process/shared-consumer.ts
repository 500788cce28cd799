import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { SERVICE_SECRET } from '../helpers/spawn-broker.ts';

const appDir = fileURLToPath(new URL('../..', import.meta.url));

// The consumer's program: an mqtt.js v5 member that writes `r <payload>` when a message
// arrives and `a <payload>` right before it acknowledges it, 50 ms later. writeSync: what the
// test reads is what the process had, whenever it is killed.
const program = `
import { writeSync } from 'node:fs';
import mqtt from 'mqtt';
const { URL: url, CLIENT_ID: clientId, FILTER: filter, SECRET: password } = process.env;
const client = mqtt.connect(url, {
  clientId, username: 'service', password, protocolVersion: 5, reconnectPeriod: 0,
});
client.handleMessage = (packet, done) => {
  writeSync(1, 'r ' + packet.payload.toString() + '\\n');
  setTimeout(() => { writeSync(1, 'a ' + packet.payload.toString() + '\\n'); done(); }, 50);
};
client.on('connect', () => {
  client.subscribe(filter, { qos: 1 }, () => writeSync(1, 'subscribed\\n'));
});
`;

export interface ConsumerProcess {
  child: ChildProcess;
  /** Payloads in arrival order, and those acknowledged. */
  received: string[];
  acknowledged: string[];
  /** Resolves once `count` messages have arrived. */
  arrival(count: number): Promise<void>;
  killed: Promise<void>;
}

/** A shared subscription member in a process of its own, for `kill -9`. */
export async function consumerProcess(
  mqttUrl: string,
  clientId: string,
  filter: string,
): Promise<ConsumerProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
    cwd: appDir,
    env: {
      ...process.env,
      URL: mqttUrl,
      CLIENT_ID: clientId,
      FILTER: filter,
      SECRET: SERVICE_SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const received: string[] = [];
  const acknowledged: string[] = [];
  const waiters = new Set<() => void>();
  const killed = once(child, 'close').then(() => undefined);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'subscribed') resolve();
      else if (line.startsWith('r ')) received.push(line.slice(2));
      else if (line.startsWith('a ')) acknowledged.push(line.slice(2));
      for (const waiter of [...waiters]) waiter();
    });
    void killed.then(() => {
      reject(new Error(`consumer ${clientId} exited before subscribing`));
    });
  });
  return {
    child,
    received,
    acknowledged,
    killed,
    arrival: (count) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (received.length < count) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      }),
  };
}
