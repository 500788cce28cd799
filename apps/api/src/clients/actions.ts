import { setTimeout as sleep } from 'node:timers/promises';
import { listBrokers, readClient, type ClientRecord } from '@twinwire/db/client-queries';
import { notifyClientAction, removeClients } from '@twinwire/db/client-registry';
import type { Database } from '@twinwire/db/client';
import { codedError, Conflict, NotFound } from '../errors.ts';

const BrokerTimeout = codedError(
  'TWW_BROKER_TIMEOUT',
  'broker %s did not confirm within %s s; it may be overloaded or stopping: reload the list and retry',
  504,
);

const POLL_MS = 100;

/** Waits until the client's row shows the action done (or times out). */
async function confirmed(
  db: Database,
  clientId: string,
  done: (row: ClientRecord | undefined) => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done(await readClient(db, clientId))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

async function existing(db: Database, clientId: string): Promise<ClientRecord> {
  const row = await readClient(db, clientId);
  if (!row) throw new NotFound(`client '${clientId}'`);
  return row;
}

/**
 * Closes a client's connection through the broker holding it, and answers once its row says
 * so. A persistent session stays (offline).
 */
export async function disconnectClient(db: Database, clientId: string, timeoutMs: number) {
  const row = await existing(db, clientId);
  if (row.state === 'offline')
    throw new Conflict(`client '${clientId}' is not connected; its session is offline`);
  if (row.state === 'stale')
    throw new Conflict(
      `broker ${row.brokerId} stopped reporting, so client '${clientId}' is not connected through a live broker`,
    );
  const connectedAt = row.connectedAt.getTime();
  await notifyClientAction(db, {
    action: 'disconnect',
    clientId,
    brokerId: row.brokerId,
    connectedAt,
  });
  const ok = await confirmed(
    db,
    clientId,
    (now) => now?.state !== 'connected' || now.connectedAt.getTime() !== connectedAt,
    timeoutMs,
  );
  if (!ok) throw new BrokerTimeout(row.brokerId, String(timeoutMs / 1000));
}

/**
 * Discards a client's session (disconnecting it first if connected). The broker holding it
 * does it; an offline session in shared persistence (Redis) can be cleared by any live broker
 * of the cluster; a session that lived in a stopped broker's memory is gone already, and only
 * its row is left to delete.
 */
export async function clearClientSession(db: Database, clientId: string, timeoutMs: number) {
  const row = await existing(db, clientId);
  const connectedAt = row.connectedAt.getTime();
  const brokers = await listBrokers(db);
  const holder = brokers.find((broker) => broker.brokerId === row.brokerId);
  // A persistent session in Redis outlives its broker; one in a broker's memory dies with it.
  const inSharedPersistence = (holder?.sharedSessions ?? false) && !row.cleanSession;
  let target: string | undefined;
  if (holder?.live) target = holder.brokerId;
  else if (inSharedPersistence) {
    target = brokers.find((broker) => broker.live && broker.sharedSessions)?.brokerId;
    if (target === undefined)
      throw new Conflict(
        `no live broker can reach the session of '${clientId}': start a broker of its cluster and retry`,
      );
  } else {
    await removeClients(db, [{ clientId, connectedAt }]);
    return;
  }
  await notifyClientAction(db, {
    action: 'clear-session',
    clientId,
    brokerId: target,
    connectedAt,
  });
  const ok = await confirmed(
    db,
    clientId,
    (now) => now === undefined || now.connectedAt.getTime() !== connectedAt,
    timeoutMs,
  );
  if (!ok) throw new BrokerTimeout(target, String(timeoutMs / 1000));
}
