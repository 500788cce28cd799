import type { FleetSnapshot } from '../fleet/fleet.ts';

export interface ProgressOptions {
  snapshot: () => FleetSnapshot;
  /** Where the line goes; the simulator uses stderr so stdout holds only the summary. */
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** A terminal rewrites one line every second; anything else gets a new line every 5 s. */
  isTty: boolean;
  now?: () => number;
}

/** One progress line: elapsed time, devices connected, msgs/s, readings, acks, errors. */
export function formatProgress(
  snapshot: FleetSnapshot,
  elapsedS: number,
  messagesPerSecond: number,
): string {
  return [
    `[${elapsedS.toFixed(0).padStart(4)}s]`,
    `connected ${snapshot.connected}/${snapshot.devices}`,
    `${messagesPerSecond.toFixed(1)} msgs/s`,
    `readings ${snapshot.readings}`,
    `acked ${snapshot.acked}`,
    `pending ${snapshot.pending}`,
    `reconnects ${Math.max(0, snapshot.connects - snapshot.devices)}`,
    `errors ${snapshot.errors}`,
  ].join('  ');
}

/**
 * The live progress line. On a TTY it rewrites one line in place every second; elsewhere
 * (a pipe, a CI log) it prints a line every 5 s. Never both.
 */
export function startProgress(options: ProgressOptions): { stop(): void } {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const periodMs = options.isTty ? 1000 : 5000;
  let lastAt = started;
  let lastMessages = options.snapshot().messagesSent;
  let lastLength = 0;
  const print = (final: boolean): void => {
    const at = now();
    const snapshot = options.snapshot();
    const rate = at > lastAt ? ((snapshot.messagesSent - lastMessages) * 1000) / (at - lastAt) : 0;
    lastAt = at;
    lastMessages = snapshot.messagesSent;
    const line = formatProgress(snapshot, (at - started) / 1000, rate);
    if (options.isTty) {
      options.stream.write(`\r${line.padEnd(lastLength)}${final ? '\n' : ''}`);
      lastLength = line.length;
    } else {
      options.stream.write(`${line}\n`);
    }
  };
  const timer = setInterval(() => {
    print(false);
  }, periodMs);
  return {
    stop() {
      clearInterval(timer);
      // On a terminal, leave the last state on its own line; a log already has its lines.
      if (options.isTty) print(true);
    },
  };
}
