import type { WebSocket } from '@fastify/websocket';
import type { LiveFrameCounts } from '../plugins/metrics.ts';

/** How much a dashboard may fall behind before it loses messages, then its connection. */
export interface SlowConsumerLimits {
  /** Bytes waiting to be sent above which live messages are dropped (and counted). */
  dropAboveBytes: number;
  /**
   * Bytes above which even frames that cannot be dropped (history, replies, notices) close the
   * connection: the client is not reading at all.
   */
  closeAboveBytes: number;
  /** A connection still congested this long after its first drop is closed with 1013. */
  maxCongestedMs: number;
  /** How often a congested connection is re-checked. */
  checkIntervalMs: number;
}

export const defaultSlowConsumerLimits: SlowConsumerLimits = {
  dropAboveBytes: 1024 * 1024,
  closeAboveBytes: 8 * 1024 * 1024,
  maxCongestedMs: 30_000,
  checkIntervalMs: 250,
};

/** RFC 6455 7.4.1 has no "too slow"; 1013 (Try Again Later) is the registered code closest to it. */
const CLOSE_TRY_AGAIN_LATER = 1013;

export interface OutboundStats {
  dropped: number;
  closedSlow: boolean;
}

/**
 * A dashboard socket's send side. `ws.send` only queues, so fan-out never waits for a slow
 * client: the queue is bounded by watching `bufferedAmount`. Above `dropAboveBytes` live
 * messages are dropped and counted; once the backlog drains the client is told how many it
 * missed (an `error` frame with code TWW_MESSAGES_DROPPED). A client still congested after
 * `maxCongestedMs`, or one whose backlog of undroppable frames passes `closeAboveBytes`, is
 * closed with 1013.
 */
export class Outbound {
  readonly stats: OutboundStats = { dropped: 0, closedSlow: false };
  private droppedSinceNotice = 0;
  private congestedSince = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: SlowConsumerLimits,
    private readonly counts: LiveFrameCounts,
    private readonly onSlowClose: () => void,
  ) {}

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN && !this.stats.closedSlow;
  }

  /** A live message: dropped when the client is behind. Returns whether it was queued. */
  sendLive(frame: Buffer): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > this.limits.dropAboveBytes || this.droppedSinceNotice > 0) {
      // Once dropping, keep dropping until the backlog drains, so the client sees one gap
      // followed by a notice, not a trickle of holes.
      this.drop();
      return false;
    }
    // A text frame from bytes encoded once for every dashboard (a string would be re-encoded per socket).
    this.socket.send(frame, { binary: false });
    this.counts.sent += 1;
    return true;
  }

  /** A frame that must not be dropped (history, replies, notices). */
  sendControl(frame: string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.limits.closeAboveBytes) {
      this.closeSlow();
      return;
    }
    this.socket.send(frame);
  }

  dispose(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private drop(): void {
    this.stats.dropped += 1;
    this.counts.dropped += 1;
    this.droppedSinceNotice += 1;
    if (this.timer) return;
    this.congestedSince = Date.now();
    this.timer = setInterval(() => {
      this.check();
    }, this.limits.checkIntervalMs);
    this.timer.unref();
  }

  private check(): void {
    if (!this.open) {
      this.dispose();
      return;
    }
    if (this.socket.bufferedAmount <= this.limits.dropAboveBytes / 2) {
      const missed = this.droppedSinceNotice;
      this.droppedSinceNotice = 0;
      this.dispose();
      this.socket.send(
        JSON.stringify({
          type: 'error',
          code: 'TWW_MESSAGES_DROPPED',
          message: `${missed} messages were dropped because this connection reads too slowly`,
        }),
      );
      return;
    }
    if (Date.now() - this.congestedSince >= this.limits.maxCongestedMs) this.closeSlow();
  }

  private closeSlow(): void {
    if (this.stats.closedSlow) return;
    this.stats.closedSlow = true;
    this.dispose();
    this.onSlowClose();
    // The close frame queues behind the backlog; ws destroys the socket if the client never
    // reads it (closeTimeout).
    this.socket.close(
      CLOSE_TRY_AGAIN_LATER,
      `too slow: ${this.stats.dropped} messages dropped; reconnect`,
    );
  }
}
