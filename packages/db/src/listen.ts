import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export type ChannelHandler = (payload: string) => void;

/** The part of a logger this needs; pino's satisfies it. */
export interface WarnLogger {
  warn(object: object, message: string): void;
  warn(message: string): void;
}

export interface DbEvents {
  /** Resolves once LISTEN is active on every channel (first connection). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * One dedicated connection LISTENing on the given channels, reconnecting with back-off if
 * it drops. `onReconnect` runs after every reconnection: notifications sent while we were
 * away are lost, so the caller re-reads whatever they would have told it.
 */
export function listenToDb(options: {
  url: string;
  channels: Record<string, ChannelHandler>;
  onReconnect: () => void;
  log: WarnLogger;
  applicationName?: string;
}): DbEvents {
  let client: pg.Client | undefined;
  let closed = false;
  // A call, not a variable, so the compiler does not assume it stays false across awaits.
  const isClosed = () => closed;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  async function connectOnce(): Promise<pg.Client> {
    const next = new pg.Client({
      connectionString: options.url,
      application_name: options.applicationName ?? 'twinwire-events',
    });
    // A connection that breaks while connecting or LISTENing emits 'error' before run() waits
    // for it: the failure is handled through the rejected promise, never as an uncaught error.
    next.on('error', () => undefined);
    next.on('notification', (message) => {
      options.channels[message.channel]?.(message.payload ?? '');
    });
    await next.connect();
    for (const channel of Object.keys(options.channels)) {
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    return next;
  }

  async function run(): Promise<void> {
    let connectedBefore = false;
    for (let attempt = 0; !isClosed(); attempt += 1) {
      try {
        const connected = await connectOnce();
        client = connected;
        if (connectedBefore) options.onReconnect();
        connectedBefore = true;
        markReady();
        attempt = 0;
        await new Promise<void>((resolve) => {
          connected.once('error', () => {
            resolve();
          });
          connected.once('end', () => {
            resolve();
          });
        });
        if (!isClosed()) options.log.warn('database event connection lost; reconnecting');
      } catch (error) {
        if (!isClosed())
          options.log.warn({ err: error }, 'database event connection failed; retrying');
      }
      await client?.end().catch(() => undefined);
      if (!isClosed()) await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
    }
  }

  void run();
  return {
    ready,
    close: async () => {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
