import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { createServiceSecret } from '@twinwire/testing/service-secret';
import { BrokerEnv, type BrokerConfig } from '../../src/config.ts';

/** The service principal's password every spawned broker is given unless a test overrides it. */
export const SERVICE_SECRET = createServiceSecret();

const appDir = fileURLToPath(new URL('../..', import.meta.url));

/** Broker variables as strings, exactly as a deployment sets them; DATABASE_URL is required. */
export type SpawnBrokerEnv = Partial<Record<keyof BrokerConfig, string>> & { DATABASE_URL: string };

/** One pino line from the broker's stdout. */
type LogLine = Record<string, unknown> & { msg?: string };

interface BrokerPorts {
  mqtt: number;
  ws: number;
  http: number;
}

interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedBroker {
  process: ChildProcess;
  ports: BrokerPorts;
  mqttUrl: string;
  /** Every JSON log line the broker has written so far (complete once `exited` resolves). */
  logs: LogLine[];
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited and its stdout and stderr are fully read. */
  exited: Promise<ProcessExit>;
  /** Resolves with the first log line `matches` accepts, or rejects after `timeoutMs`. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/**
 * Preloaded into every broker: its stdin is a pipe from this process, which ends when this
 * process dies however it dies (a crashed or killed test worker runs no exit hook), and the
 * broker then goes too.
 */
const dieWithParent =
  'data:text/javascript,process.stdin.once("end",()=>process.kill(process.pid,"SIGKILL")).resume()';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * `node --import tsx src/main.ts`: the real broker in a process of its own, so a test can
 * SIGKILL or SIGTERM it. The tsx loader runs inside that one node process (the `tsx` CLI
 * would fork a second one that a SIGKILL of the first would orphan).
 *
 * Listeners bind port 0 and the test reads the bound ports from the `broker listening` log
 * line: no window in which another process can take a port picked in advance. Broker
 * variables inherited from the test's own environment (REDIS_URL, DATABASE_URL, ports) are
 * dropped, so a broker uses Redis or a database only when the test says so — and never
 * starts an embedded PostgreSQL, since DATABASE_URL is required.
 */
export async function spawnBroker(
  env: SpawnBrokerEnv,
  options: {
    readyTimeoutMs?: number;
    /** Another build of the broker, e.g. a deployed folder's `{ cwd, entry: 'dist/main.js' }`. */
    program?: { cwd: string; entry: string };
  } = {},
): Promise<SpawnedBroker> {
  if (!env.DATABASE_URL) throw new Error('spawnBroker: DATABASE_URL is required');
  installExitHook();

  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !(name in BrokerEnv.properties)),
  );
  const program = options.program ?? { cwd: appDir, entry: 'src/main.ts' };
  const loader = program.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, ['--import', dieWithParent, ...loader, program.entry], {
    cwd: program.cwd,
    env: {
      ...inherited,
      MQTT_HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_WS_PORT: '0',
      BROKER_HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      SERVICE_SECRET,
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);

  const logs: LogLine[] = [];
  const rawStdout: string[] = [];
  const logListeners = new Set<(line: LogLine) => void>();
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const stdoutDone = new Promise<void>((resolve) => {
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (text) => {
      rawStdout.push(text);
      const line = parseLogLine(text);
      if (!line) return;
      logs.push(line);
      for (const listener of logListeners) listener(line);
    });
    lines.once('close', resolve);
  });
  const stderrDone = new Promise<void>((resolve) => child.stderr.once('close', resolve));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      void Promise.all([stdoutDone, stderrDone]).then(() => {
        resolve({ code, signal });
      });
    });
  });

  const describe = () =>
    `stderr:\n${stderr.slice(-4_000) || '(empty)'}\nstdout (last lines):\n${rawStdout.slice(-20).join('\n') || '(empty)'}`;

  function waitForLog(matches: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const seen = logs.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        logListeners.delete(listener);
        reject(new Error(`broker log line not seen within ${timeoutMs} ms\n${describe()}`));
      }, timeoutMs);
      const listener = (line: LogLine) => {
        if (!matches(line)) return;
        clearTimeout(timer);
        logListeners.delete(listener);
        resolve(line);
      };
      logListeners.add(listener);
    });
  }

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const listening = await Promise.race([
    waitForLog((line) => line.msg === 'broker listening', readyTimeoutMs),
    exited.then((exit) => {
      throw new Error(
        `broker exited before listening (code ${exit.code}, signal ${exit.signal ?? 'none'})\n${describe()}`,
      );
    }),
  ]).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  const ports = {
    mqtt: port(listening, 'mqtt'),
    ws: port(listening, 'ws'),
    http: port(listening, 'http'),
  };
  return {
    process: child,
    ports,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    logs,
    stderr: () => stderr,
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
    waitForLog,
  };
}

/** SIGKILLs every broker still running and waits for each to exit: for afterEach. */
export async function killAllBrokers(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Reads a Prometheus counter or gauge from the broker's /metrics, summed over its labels. */
export async function readMetric(broker: SpawnedBroker, name: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${broker.ports.http}/metrics`, {
    signal: AbortSignal.timeout(5_000),
  });
  const body = await response.text();
  let total = 0;
  for (const line of body.split('\n')) {
    const match = /^([a-z_:][a-z0-9_:]*)(?:\{[^}]*\})? (\S+)$/i.exec(line);
    if (match?.[1] === name) total += Number(match[2]);
  }
  return total;
}

function parseLogLine(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as LogLine) : undefined;
  } catch {
    return undefined;
  }
}

function port(line: LogLine, name: keyof BrokerPorts): number {
  const value = line[name];
  if (typeof value !== 'number') {
    throw new Error(`broker listening line has no ${name} port: ${JSON.stringify(line)}`);
  }
  return value;
}

/** A test run that dies (a crash, a timeout) must not leave brokers behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}
