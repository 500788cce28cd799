import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, type LiveMessage, type LiveSocket } from './live-connection.ts';

/** Stands in for the browser WebSocket: records frames, lets the test play the server. */
class ScriptedSocket implements LiveSocket {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: Record<string, unknown>[] = [];

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  receive(frame: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }));
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

let sockets: ScriptedSocket[];
let connection: LiveConnection;
const socket = () => sockets.at(-1)!;
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  connection = new LiveConnection({
    url: () => Promise.resolve('ws://api/ws/live?access_token=t'),
    createSocket: () => {
      const created = new ScriptedSocket();
      sockets.push(created);
      return created;
    },
  });
});

afterEach(() => {
  vi.useRealTimers();
});

async function connected(): Promise<void> {
  await settle();
  socket().open();
}

describe('LiveConnection', () => {
  it('connects on the first subscription and sends it with the history asked for', async () => {
    connection.subscribe('devices/a/telemetry', {
      onMessage: () => undefined,
      history: () => ({ since: 1000, limit: 10 }),
    });
    await connected();
    expect(socket().sent).toEqual([
      {
        type: 'subscribe',
        id: 'r1',
        filter: 'devices/a/telemetry',
        history: { since: 1000, limit: 10 },
      },
    ]);
    expect(connection.status).toEqual({ state: 'open' });
  });

  it('routes one message to every view whose filter matches its topic', async () => {
    const a: LiveMessage[] = [];
    const b: LiveMessage[] = [];
    connection.subscribe('devices/+/telemetry', { onMessage: (m) => a.push(m) });
    connection.subscribe('devices/a/#', { onMessage: (m) => b.push(m) });
    connection.subscribe('devices/+/status', { onMessage: () => expect.unreachable() });
    await connected();
    socket().receive({
      type: 'message',
      topic: 'devices/a/telemetry',
      payload: { x: 1 },
      ts: 1_700_000_000_000,
    });
    expect(a).toEqual([
      {
        topic: 'devices/a/telemetry',
        payload: { x: 1 },
        receivedAt: 1_700_000_000_000,
        history: false,
      },
    ]);
    expect(b).toHaveLength(1);
  });

  it('unsubscribes a filter only after its last view left and a short grace period', async () => {
    const leave = connection.subscribe('devices/+/status', { onMessage: () => undefined });
    await connected();
    leave();
    expect(socket().sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket().sent.at(-1)).toEqual({
      type: 'unsubscribe',
      id: 'r2',
      filter: 'devices/+/status',
    });
  });

  it('reuses a filter a new view asks for within the grace period, telling it at once', async () => {
    const leave = connection.subscribe('devices/+/status', { onMessage: () => undefined });
    await connected();
    socket().receive({ type: 'subscribed', id: 'r1', filter: 'devices/+/status' });
    leave();
    const onSubscribed = vi.fn();
    connection.subscribe('devices/+/status', { onMessage: () => undefined, onSubscribed });
    await vi.advanceTimersByTimeAsync(5000);
    expect(onSubscribed).toHaveBeenCalledOnce();
    expect(socket().sent).toHaveLength(1);
  });

  it('subscribes anew when asked for a fresh subscription of a lingering filter', async () => {
    const leave = connection.subscribe('devices/a/#', { onMessage: () => undefined });
    await connected();
    socket().receive({ type: 'subscribed', id: 'r1', filter: 'devices/a/#' });
    leave();
    connection.subscribe('devices/a/#', { onMessage: () => undefined }, { fresh: true });
    expect(socket().sent.slice(1)).toEqual([
      { type: 'unsubscribe', id: 'r2', filter: 'devices/a/#' },
      { type: 'subscribe', id: 'r3', filter: 'devices/a/#' },
    ]);
  });

  it('reports a refused filter to its views and forgets it', async () => {
    const onRefused = vi.fn();
    connection.subscribe('#', { onMessage: () => undefined, onRefused });
    await connected();
    socket().receive({ type: 'error', id: 'r1', code: 'TWW_ACL_DENIED', message: 'no' });
    expect(onRefused).toHaveBeenCalledWith({ code: 'TWW_ACL_DENIED', message: 'no' });
    connection.subscribe('#', { onMessage: () => undefined });
    expect(socket().sent.at(-1)).toEqual({ type: 'subscribe', id: 'r2', filter: '#' });
  });

  it('reconnects after a drop with backoff and resubscribes with fresh history', async () => {
    let since = 1000;
    connection.subscribe('devices/a/telemetry', {
      onMessage: () => undefined,
      history: () => ({ since, limit: 10 }),
    });
    await connected();
    socket().drop();
    expect(connection.status).toMatchObject({ state: 'waiting', attempt: 1 });
    since = 2000;
    await vi.advanceTimersByTimeAsync(1000);
    socket().open();
    expect(sockets).toHaveLength(2);
    expect(socket().sent).toEqual([
      {
        type: 'subscribe',
        id: 'r2',
        filter: 'devices/a/telemetry',
        history: { since: 2000, limit: 10 },
      },
    ]);
  });

  it('stays closed after stop until a new view subscribes', async () => {
    connection.subscribe('devices/+/status', { onMessage: () => undefined });
    await connected();
    connection.stop();
    expect(connection.status).toEqual({ state: 'stopped', reason: 'signed out' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });
});
