import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One pino line from a process's stdout. */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface SpawnedProcess {
  child: ChildProcess;
  /** The log line that said it was ready (it carries the bound ports). */
  ready: LogLine;
  /** SIGTERM, then resolves when the process has exited. */
  stop(): Promise<void>;
}

/** The API's and the broker's folders: each runs as `node --import tsx src/main.ts` there. */
export const API_DIR = fileURLToPath(new URL('../..', import.meta.url));
// Resolved through the workspace dependency, not a path into another app's folder.
export const BROKER_DIR = dirname(
  dirname(createRequire(import.meta.url).resolve('@twinwire/broker/config')),
);

/**
 * Preloaded into every child: its stdin is a pipe from this process, which ends when this
 * process dies however it dies (a killed test worker runs no exit hook), and the child then
 * goes too.
 */
const dieWithParent =
  'data:text/javascript,process.stdin.once("end",()=>process.kill(process.pid,"SIGKILL")).resume()';

/**
 * Runs an app's `src/main.ts` in a process of its own with exactly `env` (plus PATH), and
 * resolves with the first log line `isReady` accepts. Nothing of the test's own environment
 * leaks in (a DATABASE_URL or REDIS_URL there would change what the process is).
 */
export async function spawnApp(
  cwd: string,
  env: Record<string, string>,
  isReady: (line: LogLine) => boolean,
  timeoutMs = 30_000,
): Promise<SpawnedProcess> {
  const child = spawn(
    process.execPath,
    ['--import', dieWithParent, '--import', 'tsx', 'src/main.ts'],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve();
    }),
  );
  const ready = await new Promise<LogLine>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${cwd} was not ready within ${timeoutMs} ms\n${stderr.slice(-4_000)}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = parseLogLine(text);
      if (!line || !isReady(line)) return;
      clearTimeout(timer);
      resolve(line);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${cwd} exited before it was ready\n${stderr.slice(-4_000)}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    ready,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function parseLogLine(text: string): LogLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return undefined;
  }
}
