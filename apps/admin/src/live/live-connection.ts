import { parseDashboardServerFrame } from '@twinwire/schemas/validate';
import type { DashboardClientFrame, HistoryRequest } from '@twinwire/schemas/ws-frames';
import { matchesFilter } from '@twinwire/acl/topic-filter';

export type LiveStatus =
  | { state: 'idle' }
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'waiting'; attempt: number; retryAt: number; reason: string }
  | { state: 'stopped'; reason: string };

export interface LiveMessage {
  topic: string;
  payload: unknown;
  /** When the API received it from the broker; absent for history. */
  receivedAt: number | undefined;
  /** Replayed from storage before the live stream (`subscribe` with `history`). */
  history: boolean;
}

export interface LiveNotice {
  code: string;
  message: string;
}

export interface SubscriptionHandlers {
  onMessage(message: LiveMessage): void;
  /** The server granted the filter; every message before this was history. */
  onSubscribed?(): void;
  /** The server refused the filter (access rules, invalid filter); nothing more will arrive. */
  onRefused?(notice: LiveNotice): void;
  /** Messages were dropped (this client read too slowly) or similar: the stream has a hole. */
  onNotice?(notice: LiveNotice): void;
  /** History to ask for, asked again on every resubscribe so a reconnect resumes. */
  history?(): HistoryRequest | undefined;
}

/** The subset of the browser's WebSocket this class uses. */
export interface LiveSocket {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LiveConnectionOptions {
  /** `ws(s)://…/ws/live?access_token=…` with a fresh token; rejects when signed out. */
  url: () => Promise<string>;
  createSocket?: (url: string) => LiveSocket;
  now?: () => number;
}

interface Entry {
  filter: string;
  listeners: Set<SubscriptionHandlers>;
  requestId: string | undefined;
  /** The server confirmed the subscription on the current socket. */
  granted: boolean;
  /** Set while the entry has no listener and waits to be unsubscribed. */
  lingerTimer: ReturnType<typeof setTimeout> | undefined;
}

const OPEN = 1;
/**
 * How long a filter stays subscribed after its last view left. Moving between pages that
 * watch the same filter (the device list and a device) then reuses the subscription instead
 * of unsubscribing and resubscribing it within milliseconds. Short, because a reused
 * subscription is not checked against the access rules again (deliveries still are).
 */
const LINGER_MS = 1000;
/** Seconds to wait after the nth failure in a row (the last repeats). */
const BACKOFF_S = [1, 2, 5, 10, 30];

/**
 * The dashboard's one connection to `/ws/live`, shared by every view. It connects when the
 * first view subscribes, multiplexes filters (one server subscription per filter, routed to
 * each interested view by topic match), and reconnects with backoff, resubscribing each
 * filter with the history its view asks for so a chart resumes without a gap.
 */
export class LiveConnection {
  private socket: LiveSocket | undefined;
  private readonly entries = new Map<string, Entry>();
  private readonly byRequestId = new Map<string, Entry>();
  private readonly statusListeners = new Set<() => void>();
  private current: LiveStatus = { state: 'idle' };
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextRequest = 0;
  private readonly createSocket: (url: string) => LiveSocket;
  private readonly now: () => number;

  constructor(private readonly options: LiveConnectionOptions) {
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.now = options.now ?? Date.now;
  }

  get status(): LiveStatus {
    return this.current;
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Streams `filter` to `handlers` until the returned function is called. A view joining a
   * filter that is already streaming gets live messages only, and `onSubscribed` at once:
   * it fetches what came before itself.
   */
  subscribe(
    filter: string,
    handlers: SubscriptionHandlers,
    options: { fresh?: boolean } = {},
  ): () => void {
    let entry = this.entries.get(filter);
    if (entry && options.fresh && entry.listeners.size === 0) {
      // Asked for explicitly (the explorer's Subscribe): let the server decide anew.
      this.forget(entry);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        filter,
        listeners: new Set(),
        requestId: undefined,
        granted: false,
        lingerTimer: undefined,
      };
      this.entries.set(filter, entry);
      entry.listeners.add(handlers);
      this.sendSubscribe(entry);
    } else {
      clearTimeout(entry.lingerTimer);
      entry.lingerTimer = undefined;
      entry.listeners.add(handlers);
      if (entry.granted)
        queueMicrotask(() => {
          if (entry?.listeners.has(handlers)) handlers.onSubscribed?.();
        });
    }
    this.ensureConnected();
    const owned = entry;
    return () => {
      owned.listeners.delete(handlers);
      if (owned.listeners.size > 0 || this.entries.get(filter) !== owned) return;
      clearTimeout(owned.lingerTimer);
      owned.lingerTimer = setTimeout(() => {
        if (owned.listeners.size === 0 && this.entries.get(filter) === owned) this.forget(owned);
      }, LINGER_MS);
    };
  }

  private forget(entry: Entry): void {
    clearTimeout(entry.lingerTimer);
    this.entries.delete(entry.filter);
    if (entry.requestId) this.byRequestId.delete(entry.requestId);
    this.send({ type: 'unsubscribe', id: this.requestId(), filter: entry.filter });
  }

  /** Skips the backoff wait. */
  reconnectNow(): void {
    if (this.current.state !== 'waiting' && this.current.state !== 'stopped') return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  /** Signed out: close and stay closed. */
  stop(reason = 'signed out'): void {
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, reason);
    for (const entry of [...this.entries.values()]) {
      entry.granted = false;
      entry.requestId = undefined;
      if (entry.listeners.size === 0) {
        clearTimeout(entry.lingerTimer);
        this.entries.delete(entry.filter);
      }
    }
    this.byRequestId.clear();
    this.setStatus({ state: 'stopped', reason });
  }

  private ensureConnected(): void {
    // After a sign-out the next subscriber (a new session) reconnects.
    if (this.current.state === 'idle' || this.current.state === 'stopped') this.connect();
  }

  private connect(): void {
    this.setStatus({ state: 'connecting', attempt: this.attempt + 1 });
    this.options.url().then(
      (url) => {
        if (this.current.state !== 'connecting') return;
        this.open(url);
      },
      (error: unknown) => {
        this.stop(error instanceof Error ? error.message : 'cannot get an access token');
      },
    );
  }

  private open(url: string): void {
    const socket = this.createSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setStatus({ state: 'open' });
      for (const entry of this.entries.values()) this.sendSubscribe(entry);
    };
    socket.onmessage = (event) => {
      if (this.socket === socket && typeof event.data === 'string') this.onFrame(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.scheduleReconnect(closeReason(event));
    };
  }

  private scheduleReconnect(reason: string): void {
    for (const entry of this.entries.values()) {
      if (entry.requestId) this.byRequestId.delete(entry.requestId);
      entry.requestId = undefined;
      entry.granted = false;
    }
    this.attempt += 1;
    const delayS = BACKOFF_S[Math.min(this.attempt, BACKOFF_S.length) - 1] ?? 1;
    const retryAt = this.now() + delayS * 1000;
    this.setStatus({ state: 'waiting', attempt: this.attempt, retryAt, reason });
    this.retryTimer = setTimeout(() => {
      this.connect();
    }, delayS * 1000);
  }

  private onFrame(text: string): void {
    const parsed = parseDashboardServerFrame(text);
    if (!parsed.ok) return;
    const frame = parsed.value;
    switch (frame.type) {
      case 'message': {
        const message: LiveMessage = {
          topic: frame.topic,
          payload: frame.payload,
          receivedAt: frame.ts,
          history: frame.ts === undefined,
        };
        for (const entry of this.entries.values()) {
          if (!matchesFilter(entry.filter, frame.topic)) continue;
          for (const listener of entry.listeners) listener.onMessage(message);
        }
        break;
      }
      case 'subscribed': {
        const entry = this.byRequestId.get(frame.id);
        if (!entry) break;
        entry.granted = true;
        for (const listener of entry.listeners) listener.onSubscribed?.();
        break;
      }
      case 'error': {
        const notice = { code: frame.code, message: frame.message };
        const entry = frame.id === undefined ? undefined : this.byRequestId.get(frame.id);
        if (!entry) {
          for (const each of this.entries.values())
            for (const listener of each.listeners) listener.onNotice?.(notice);
        } else if (frame.code === 'TWW_MESSAGES_DROPPED') {
          for (const listener of entry.listeners) listener.onNotice?.(notice);
        } else {
          clearTimeout(entry.lingerTimer);
          this.entries.delete(entry.filter);
          this.byRequestId.delete(frame.id ?? '');
          for (const listener of entry.listeners) listener.onRefused?.(notice);
        }
        break;
      }
      case 'ack':
        break;
    }
  }

  private sendSubscribe(entry: Entry): void {
    if (this.socket?.readyState !== OPEN) return;
    const id = this.requestId();
    entry.requestId = id;
    this.byRequestId.set(id, entry);
    const [first] = entry.listeners;
    const history = first?.history?.();
    this.send({ type: 'subscribe', id, filter: entry.filter, ...(history ? { history } : {}) });
  }

  private send(frame: DashboardClientFrame): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private requestId(): string {
    this.nextRequest += 1;
    return `r${this.nextRequest}`;
  }

  private setStatus(status: LiveStatus): void {
    this.current = status;
    for (const listener of this.statusListeners) listener();
  }
}

function closeReason(event: CloseEvent): string {
  if (event.code === 1013) return 'the connection fell behind the stream and was closed';
  if (event.reason) return event.reason;
  // Browsers hide why an upgrade failed (401, 403 origin, 503 broker down): all read as 1006.
  return 'the live connection was lost or refused';
}
