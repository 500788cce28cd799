import type { Database } from '@twinwire/db/client';
import {
  collectStoppedBrokers,
  heartbeatBroker,
  removeClients,
  retireBroker,
  settlePreviousRun,
  upsertClients,
  type ClientRemoval,
  type ClientRow,
} from '@twinwire/db/client-registry';
import type { Aedes, Client, ConnectPacket } from 'aedes';
import type { ConnectionRegistry } from '../connections.ts';
import type { Logger } from '../log.ts';
import type { SessionRegistry } from '../sessions.ts';
import { snapshotClient } from './client-snapshot.ts';
import type { SessionQueues } from './session-queues.ts';

export interface ClientRegistryDeps {
  aedes: Aedes;
  db: Database;
  brokerId: string;
  /** Persistent sessions live in shared persistence (Redis) and outlive this broker. */
  sharedSessions: boolean;
  sessions: SessionRegistry;
  connections: ConnectionRegistry;
  connectPackets: WeakMap<Client, ConnectPacket>;
  queues: SessionQueues;
  /** The housekeeping interval: the heartbeat every other instance judges us by. */
  heartbeatIntervalMs: number;
  /** How long changes wait to be written together. */
  flushIntervalMs?: number;
  log: Logger;
  now?: () => number;
}

type Operation = { kind: 'upsert'; row: ClientRow } | { kind: 'remove'; removal: ClientRemoval };

const connectedAtOf = (operation: Operation) =>
  operation.kind === 'upsert' ? operation.row.connectedAt : operation.removal.connectedAt;

/** Where every broker of a cluster announces a client that connected to it (aedes). */
const NEW_CLIENTS = '$SYS/+/new/clients';

/** The part of aedes' emitter (mqemitter, or mqemitter-redis in a cluster) used here. */
interface ClusterEmitter {
  on(
    topic: string,
    handler: (packet: { topic: string; payload: Buffer }, done: () => void) => void,
  ): void;
}

/**
 * This broker's part of the cluster-wide client registry (`mqtt_clients` in PostgreSQL): a
 * row per connected client and per offline persistent session it holds. Every change (a
 * connect, a subscription, a disconnect) replaces the client's pending operation in memory,
 * and the pending operations are written together every `flushIntervalMs`: a connect storm
 * of thousands of clients costs a few statements, not one each. Housekeeping heartbeats the
 * broker, refreshes queue counts and collects the rows of brokers that stopped.
 */
export function createClientRegistry(deps: ClientRegistryDeps) {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  /** The client currently holding each id here, with when it connected. */
  const current = new Map<string, { client: Client; row: ClientRow }>();
  /** Offline persistent sessions this broker wrote, for their queue counts. */
  const offline = new Map<string, ClientRow>();
  const pending = new Map<string, Operation>();
  let lastConnectedAt = 0;
  let flushing: Promise<void> | undefined;
  let closed = false;

  /** A later operation for the same connection or a newer one wins; an older one is dropped. */
  function schedule(clientId: string, operation: Operation): void {
    const waiting = pending.get(clientId);
    if (waiting && connectedAtOf(waiting) > connectedAtOf(operation)) return;
    pending.set(clientId, operation);
  }

  function rowOf(client: Client, connectedAt: number): ClientRow | undefined {
    const session = deps.sessions.get(client);
    if (!session) return undefined;
    return snapshotClient(client, {
      brokerId: deps.brokerId,
      session,
      connection: deps.connections.of(client),
      packet: deps.connectPackets.get(client),
      connectedAt,
    });
  }

  function onReady(client: Client): void {
    // Strictly increasing here, so a takeover on this broker orders after what it replaced.
    const connectedAt = (lastConnectedAt = Math.max(now(), lastConnectedAt + 1));
    const row = rowOf(client, connectedAt);
    if (!row) return;
    current.set(client.id, { client, row });
    offline.delete(client.id);
    movedAway.delete(client.id);
    schedule(client.id, { kind: 'upsert', row });
  }

  function onSubscriptionsChanged(client: Client): void {
    const entry = current.get(client.id);
    if (entry?.client !== client) return;
    const fresh = rowOf(client, entry.row.connectedAt);
    if (!fresh) return;
    entry.row = { ...fresh, inflight: entry.row.inflight, queued: entry.row.queued };
    schedule(client.id, { kind: 'upsert', row: entry.row });
  }

  function onDisconnect(client: Client): void {
    const entry = current.get(client.id);
    // A client replaced by a newer connection of the same id: the newer one owns the row.
    if (entry?.client !== client) return;
    current.delete(client.id);
    // A session another broker took over is no longer held here: its row is that broker's.
    if (entry.row.cleanSession || movedAway.delete(client.id)) {
      schedule(client.id, {
        kind: 'remove',
        removal: { clientId: client.id, connectedAt: entry.row.connectedAt },
      });
      return;
    }
    const row: ClientRow = {
      ...entry.row,
      connected: false,
      disconnectedAt: now(),
      queued: (entry.row.queued ?? 0) + (entry.row.inflight ?? 0),
      inflight: 0,
    };
    offline.set(client.id, row);
    schedule(client.id, { kind: 'upsert', row });
  }

  /**
   * With shared sessions, a client id that connected on another broker of the cluster (its
   * `$SYS/<broker>/new/clients`, on which aedes closes the connection here) moved its session
   * there. The offline row this broker wrote for it is removed (if it still stands for our
   * connection), and is never written again: written late, after the other broker cleared
   * the session, it would bring back a session that no longer exists.
   */
  const movedAway = new Set<string>();
  function onConnectedElsewhere(clientId: string): void {
    if (current.has(clientId)) {
      // Closed for the takeover right after this: onDisconnect removes instead of writing.
      movedAway.add(clientId);
      return;
    }
    const row = offline.get(clientId);
    if (!row) return;
    offline.delete(clientId);
    schedule(clientId, { kind: 'remove', removal: { clientId, connectedAt: row.connectedAt } });
  }
  if (deps.sharedSessions) {
    const mq = (deps.aedes as unknown as { mq: ClusterEmitter }).mq;
    mq.on(NEW_CLIENTS, (packet, done) => {
      const [, brokerId] = packet.topic.split('/');
      if (brokerId !== deps.aedes.id) onConnectedElsewhere(packet.payload.toString());
      done();
    });
  }

  deps.aedes.on('clientReady', onReady);
  deps.aedes.on('subscribe', (_subscriptions, client) => {
    onSubscriptionsChanged(client);
  });
  deps.aedes.on('unsubscribe', (_unsubscriptions, client) => {
    onSubscriptionsChanged(client);
  });
  deps.aedes.on('clientDisconnect', onDisconnect);

  async function writePending(): Promise<void> {
    if (pending.size === 0) return;
    const operations = [...pending.values()];
    pending.clear();
    try {
      await upsertClients(
        deps.db,
        operations.flatMap((operation) => (operation.kind === 'upsert' ? [operation.row] : [])),
      );
      await removeClients(
        deps.db,
        operations.flatMap((operation) => (operation.kind === 'remove' ? [operation.removal] : [])),
      );
    } catch (error) {
      // Kept for the next flush unless something newer replaced them meanwhile.
      for (const operation of operations) {
        const clientId =
          operation.kind === 'upsert' ? operation.row.clientId : operation.removal.clientId;
        schedule(clientId, operation);
      }
      throw error;
    }
  }

  /** Writes what is pending now; concurrent callers share one write. */
  function flush(): Promise<void> {
    flushing ??= writePending().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  const timer = setInterval(() => {
    if (pending.size === 0) return;
    flush().catch((error: unknown) => {
      deps.log.warn({ err: error }, 'client registry write failed; will retry');
    });
  }, deps.flushIntervalMs ?? 500);
  timer.unref();

  /** Queue counts of persistent sessions: written only where they changed. */
  async function refreshCounts(): Promise<void> {
    const persistent = [
      ...[...current.values()]
        .filter((entry) => !entry.row.cleanSession)
        .map((entry) => ({ clientId: entry.row.clientId, connected: true })),
      ...[...offline.keys()].map((clientId) => ({ clientId, connected: false })),
    ];
    const counts = await deps.queues.counts(persistent);
    for (const [clientId, count] of counts) {
      const entry = current.get(clientId);
      const row = entry?.row ?? offline.get(clientId);
      if (!row || (row.inflight === count.inflight && row.queued === count.queued)) continue;
      const updated = { ...row, ...count };
      if (entry) entry.row = updated;
      else offline.set(clientId, updated);
      schedule(clientId, { kind: 'upsert', row: updated });
    }
  }

  const heartbeat = () =>
    heartbeatBroker(deps.db, {
      brokerId: deps.brokerId,
      startedAt,
      intervalMs: deps.heartbeatIntervalMs,
      sharedSessions: deps.sharedSessions,
    });

  return {
    /** Before accepting clients: settle what a previous run with our id left, then heartbeat. */
    async start(): Promise<void> {
      await settlePreviousRun(deps.db, deps.brokerId);
      await heartbeat();
    },

    /** Housekeeping: heartbeat, queue counts, stopped brokers, then write. */
    async refresh(): Promise<void> {
      if (closed) return;
      await heartbeat();
      await refreshCounts();
      await collectStoppedBrokers(deps.db);
      await flush();
    },

    flush,

    /** The client holding `clientId` here, if any. */
    connected(clientId: string): Client | undefined {
      return current.get(clientId)?.client;
    },

    /** The offline session held here, if any. */
    offlineSession(clientId: string): ClientRow | undefined {
      return offline.get(clientId);
    },

    /** The session was cleared: its row goes (if it still stands for this or an older connection). */
    forgetSession(clientId: string, connectedAt: number): void {
      offline.delete(clientId);
      schedule(clientId, { kind: 'remove', removal: { clientId, connectedAt } });
    },

    /**
     * Writes again what this broker knows of `clientId`, or removes a row that names this
     * broker for a client it does not hold: an action found the table and the broker apart.
     */
    reassert(clientId: string, connectedAt: number): void {
      const row = current.get(clientId)?.row ?? offline.get(clientId);
      schedule(
        clientId,
        row ? { kind: 'upsert', row } : { kind: 'remove', removal: { clientId, connectedAt } },
      );
    },

    /** After every client is gone: settle our rows and forget this broker if nothing names it. */
    async close(): Promise<void> {
      closed = true;
      clearInterval(timer);
      pending.clear();
      await flushing?.catch(() => undefined);
      await retireBroker(deps.db, deps.brokerId);
    },
  };
}

export type ClientRegistry = ReturnType<typeof createClientRegistry>;
