// The local platform's child processes: each in a process group of its own (so the
// terminal's Ctrl-C reaches only the orchestrator, which then stops them in order), its
// output appended to .data/logs/<name>.log, warnings and errors echoed with its name.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PINO_WARN = 40;

export class ManagedProcess {
  constructor(name, command, args, { cwd, env, logDir, echo = isProblem }) {
    this.name = name;
    mkdirSync(logDir, { recursive: true });
    this.logFile = join(logDir, `${name}.log`);
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.lastLines = [];
    this.lineListeners = new Set();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        log.write(`${line}\n`);
        this.lastLines = [...this.lastLines.slice(-19), line];
        for (const listener of this.lineListeners) listener(line);
        if (echo(line)) console.log(`[${name}] ${summarize(line)}`);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        log.end();
        resolve({ code, signal });
      });
    });
    this.stopping = false;
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * SIGTERM to the process itself (it relays to its own children: tsx watch, vite), then,
   * after it exits or `graceMs` passes, SIGKILL to whatever is left of its group.
   */
  async stop(graceMs = 15_000) {
    this.stopping = true;
    if (this.running) this.signal('SIGTERM', false);
    const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([this.exited, timer]);
    this.signal('SIGKILL', true);
    await this.exited;
  }

  signal(signal, group) {
    try {
      process.kill(group ? -this.child.pid : this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Pino lines at warn or above, and any plain line that reads like a problem. */
function isProblem(line) {
  try {
    const record = JSON.parse(line);
    return typeof record.level === 'number' && record.level >= PINO_WARN;
  } catch {
    return /\b(error|warn|warning|fatal)\b|in use/i.test(line);
  }
}

function summarize(line) {
  try {
    const record = JSON.parse(line);
    const detail = record.err?.message ? `: ${record.err.message}` : '';
    return `${record.msg ?? line}${detail}`;
  } catch {
    return line;
  }
}

/** Polls `url` until it answers 2xx, the process exits, or `timeoutMs` passes. */
export async function waitUntilReady(process, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!process.running) throw new Error(`${process.name} exited while starting`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${process.name} did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** Resolves with the `{ "url": … }` line db serve prints once the database is ready. */
export function databaseReady(process, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${process.name} did not become ready within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const listener = (line) => {
      if (!line.startsWith('{"url"')) return;
      clearTimeout(timer);
      process.lineListeners.delete(listener);
      resolve(JSON.parse(line));
    };
    process.lineListeners.add(listener);
    void process.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${process.name} exited while starting`));
    });
  });
}

/**
 * Calls `onOrphaned` once if this process's parent goes away. `npm start` runs us under
 * `sh -c`: a SIGTERM to npm (a process manager, a closed terminal) ends npm and the shell,
 * which do not pass it on, and we would keep the whole platform running with no one to stop
 * it. A changed parent pid is how a process learns that its parent died.
 */
export function watchParent(onOrphaned, intervalMs = 500) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
