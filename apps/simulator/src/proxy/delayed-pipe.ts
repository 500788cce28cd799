import type { Socket } from 'node:net';

/** The faults one direction of a proxied connection applies, read for every chunk. */
export interface PipeFaults {
  latencyMs: number;
  jitterMs: number;
  bandwidthBytesPerSecond: number | null;
}

export interface DelayedPipeOptions {
  from: Socket;
  to: Socket;
  faults: () => PipeFaults;
  random: () => number;
  /** Called with each slice's size once it is written to `to`. */
  onBytes: (bytes: number) => void;
  now?: () => number;
}

interface Slice {
  data: Buffer;
  sendAt: number;
}

/** Bytes queued in the proxy before it stops reading from the sender. */
const HIGH_WATER_BYTES = 1 << 20;
/** A capped pipe sends in slices so a large chunk trickles instead of leaving in one burst. */
const MAX_SLICE_BYTES = 16 * 1024;

/**
 * Delay for one chunk: the latency plus or minus up to the jitter (as `tc netem delay L J`
 * does), never negative.
 */
export function chunkDelayMs(faults: PipeFaults, random: () => number): number {
  const jitter = faults.jitterMs > 0 ? (random() * 2 - 1) * faults.jitterMs : 0;
  return Math.max(0, faults.latencyMs + jitter);
}

/**
 * Copies `from` into `to` one chunk at a time, each held back by its latency and by the
 * bandwidth cap. A chunk never leaves before the one ahead of it, so jitter delays the
 * stream but never reorders it (TCP would not either). Half-closes `to` after the last
 * queued byte when `from` ends.
 */
export function startDelayedPipe(options: DelayedPipeOptions): { stop(): void } {
  const { from, to, faults, random, onBytes } = options;
  const now = options.now ?? (() => performance.now());
  const queue: Slice[] = [];
  let queuedBytes = 0;
  let lastSendAt = 0;
  let wireFreeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  let stopped = false;
  let waitingForDrain = false;

  const enqueue = (chunk: Buffer): void => {
    const current = faults();
    const arrival = now();
    const releaseAt = Math.max(arrival + chunkDelayMs(current, random), lastSendAt);
    const cap = current.bandwidthBytesPerSecond;
    const sliceSize =
      cap === null ? chunk.length : Math.max(1, Math.min(MAX_SLICE_BYTES, cap / 20));
    for (let offset = 0; offset < chunk.length; offset += sliceSize) {
      const data = chunk.subarray(offset, offset + sliceSize);
      let sendAt = releaseAt;
      if (cap !== null) {
        sendAt = Math.max(sendAt, wireFreeAt);
        wireFreeAt = sendAt + (data.length / cap) * 1000;
      }
      lastSendAt = sendAt;
      queue.push({ data, sendAt });
      queuedBytes += data.length;
    }
    if (queuedBytes > HIGH_WATER_BYTES) from.pause();
    schedule();
  };

  const flush = (): void => {
    timer = undefined;
    if (stopped) return;
    const t = now();
    for (let head = queue[0]; head !== undefined && !waitingForDrain; head = queue[0]) {
      if (head.sendAt > t) break;
      queue.shift();
      queuedBytes -= head.data.length;
      onBytes(head.data.length);
      if (!to.write(head.data)) {
        waitingForDrain = true;
        to.once('drain', () => {
          waitingForDrain = false;
          schedule();
        });
      }
    }
    if (queuedBytes <= HIGH_WATER_BYTES / 2 && !waitingForDrain) from.resume();
    if (queue.length === 0 && ended) {
      to.end();
      return;
    }
    schedule();
  };

  function schedule(): void {
    if (stopped || timer !== undefined || waitingForDrain) return;
    const head = queue[0];
    if (head === undefined) {
      if (ended) flush();
      return;
    }
    const wait = head.sendAt - now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  }

  from.on('data', (chunk: Buffer) => {
    enqueue(chunk);
  });
  from.on('end', () => {
    ended = true;
    schedule();
  });

  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      queue.length = 0;
    },
  };
}
