/**
 * The brokers a benchmark drives, each in its own process so its CPU (user + system, all
 * threads) and memory can be read between two points of a run: ours and a bare aedes
 * (broker-process.ts, forked) and, as the baseline, a plain Mosquitto.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@twinwire/db/embedded';
import type { BrokerReply, BrokerRequest, BrokerStats } from './broker-protocol.ts';

export interface BrokerTarget {
  name: string;
  pid: number;
  mqttPort: number;
  /**
   * CPU used by the broker process so far (user + system, all threads), in µs, read from
   * /proc for every broker alike: no round trip to a busy process skews the instant.
   */
  cpuMicros(): number;
  rss(): Promise<number>;
  stop(): Promise<void>;
  /** How the process ended if it ended by itself (a crash), else undefined. */
  crashed(): string | undefined;
}

export interface OurBroker extends BrokerTarget {
  stats(options: { gc: boolean }): Promise<BrokerStats>;
  /** Writes a V8 heap snapshot of the broker process to `path` (after a full GC). */
  heapSnapshot(path: string): Promise<void>;
  /** One sample of the broker's Prometheus /metrics, summed over its labels. */
  metric(name: string): Promise<number>;
}

const appDir = join(import.meta.dirname, '..');

export function startOurBroker(options: {
  env: Record<string, string>;
  databaseUrl: string;
  /** Writes a V8 CPU profile of the broker to this directory when it stops. */
  cpuProfileDir?: string | undefined;
  /** In tables and progress lines; `twinwire` unless given. */
  name?: string;
}): Promise<OurBroker> {
  return startBrokerProcess(
    options.name ?? 'twinwire',
    {
      type: 'start',
      kind: 'twinwire',
      env: options.env,
      databaseUrl: options.databaseUrl,
    },
    options.cpuProfileDir,
  );
}

/** aedes as it comes, to tell its own cost from what our hooks and guard add. */
export function startBareAedes(cpuProfileDir?: string): Promise<BrokerTarget> {
  return startBrokerProcess('aedes (bare)', { type: 'start', kind: 'aedes' }, cpuProfileDir);
}

export function startNodeRelay(cpuProfileDir?: string): Promise<BrokerTarget> {
  return startBrokerProcess('node relay (floor)', { type: 'start', kind: 'relay' }, cpuProfileDir);
}

/** Not a broker: a plain WebSocket broadcast server (ws-broadcast.ts); its port is `mqttPort`. */
export function startWsBroadcast(cpuProfileDir?: string): Promise<BrokerTarget> {
  return startBrokerProcess(
    'websocket broadcast',
    { type: 'start', kind: 'ws-broadcast' },
    cpuProfileDir,
  );
}

async function startBrokerProcess(
  name: string,
  start: BrokerRequest,
  cpuProfileDir: string | undefined,
): Promise<OurBroker> {
  const child = fork(join(import.meta.dirname, 'broker-process.ts'), [], {
    cwd: appDir,
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = replyQueue(child);
  let stopping = false;
  let crash: string | undefined;
  child.on('exit', (code, signal) => {
    if (code === 0 || (stopping && signal === 'SIGKILL')) return;
    crash = `${name} exited ${signal ? `on ${signal}` : `with code ${code}`}${stopping ? ' while stopping' : ''}`;
  });
  const request = async <T extends BrokerReply['type']>(message: BrokerRequest, expect: T) => {
    child.send(message);
    return replies.next(expect);
  };

  const ready = await request(start, 'ready');
  const stats = async (gc: boolean) => (await request({ type: 'stats', gc }, 'stats')).stats;
  return {
    name,
    pid: child.pid ?? 0,
    mqttPort: ready.mqttPort,
    stats: ({ gc }) => stats(gc),
    async heapSnapshot(path) {
      await request({ type: 'heap-snapshot', path }, 'heap-snapshot');
    },
    cpuMicros: () => procCpuMicros(child.pid ?? 0),
    rss: async () => (await stats(false)).rss,
    async metric(metricName) {
      const response = await fetch(`http://127.0.0.1:${ready.httpPort}/metrics`);
      const text = await response.text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith(`${metricName} `) || line.startsWith(`${metricName}{`)) {
          sum += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    },
    crashed: () => crash,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await request({ type: 'stop' }, 'stopped').catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}

/** Waits for the child's replies one at a time; an error reply or exit rejects the waiter. */
function replyQueue(child: ChildProcess) {
  const waiters: { type: string; resolve(reply: BrokerReply): void; reject(e: Error): void }[] = [];
  const failAll = (error: Error) => {
    for (const waiter of waiters.splice(0)) waiter.reject(error);
  };
  child.on('message', (reply: BrokerReply) => {
    if (reply.type === 'error') {
      failAll(new Error(`broker process failed: ${reply.message}`));
      return;
    }
    const index = waiters.findIndex((waiter) => waiter.type === reply.type);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(reply);
  });
  child.on('exit', (code) => {
    failAll(new Error(`broker process exited (code ${code})`));
  });
  return {
    next<T extends BrokerReply['type']>(type: T): Promise<Extract<BrokerReply, { type: T }>> {
      return new Promise((resolve, reject) => {
        waiters.push({
          type,
          resolve: (reply) => {
            resolve(reply as Extract<BrokerReply, { type: T }>);
          },
          reject,
        });
      });
    },
  };
}

const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto'];

export function findMosquitto(): string | undefined {
  return MOSQUITTO_PATHS.find((path) => existsSync(path));
}

/**
 * A plain Mosquitto on a free loopback port: anonymous, no persistence. TCP_NODELAY on, as
 * ours sets it, and no cap on queued or in-flight QoS 1 messages, as aedes has none.
 * Started as root it drops to the `mosquitto` user by itself; the config is read first.
 */
export async function startMosquitto(binary: string): Promise<BrokerTarget> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'twinwire-bench-mosquitto-'));
  const configPath = join(dir, 'mosquitto.conf');
  await writeFile(
    configPath,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'set_tcp_nodelay true',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'persistence false',
      'log_dest none',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-c', configPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  let stopping = false;
  let crash: string | undefined;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.on('exit', (code, signal) => {
    if (!stopping) crash = `mosquitto exited ${signal ? `on ${signal}` : `with code ${code}`}`;
  });
  const cleanup = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  if (!(await waitForPort(port, 5_000))) {
    await cleanup();
    throw new Error(`mosquitto did not listen on port ${port}`);
  }
  const pid = child.pid ?? 0;
  return {
    name: 'mosquitto',
    pid,
    mqttPort: port,
    cpuMicros: () => procCpuMicros(pid),
    async rss() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return Number(kib) * 1024;
    },
    stop: cleanup,
    crashed: () => crash,
  };
}

/** USER_HZ: the unit of /proc/<pid>/stat times and of /proc/stat. */
export const clockTicksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads) from /proc/<pid>/stat, in µs. */
export function procCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of proc(5)
  return (ticks * 1e6) / clockTicksPerSecond;
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) return true;
    await sleep(50);
  }
  return false;
}
