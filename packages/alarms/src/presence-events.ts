import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { enqueueEvent } from './outbox.ts';
import { inTransaction } from './transaction.ts';

/**
 * Writes a device's online flag, protocol and last-seen time, and when the flag changed,
 * queues its `device.online` / `device.offline` webhook event in the same transaction. The
 * row lock makes the flag's change happen once, so a takeover or two instances announcing
 * the same state queue one event.
 */
export async function recordPresence(
  pool: pg.Pool,
  presence: { deviceId: string; online: boolean; protocol: string; atMs: number },
): Promise<void> {
  await inTransaction(pool, async (tx) => {
    const result = await tx.query<{ was: boolean }>(
      `WITH previous AS (SELECT online FROM devices WHERE id = $1 FOR UPDATE)
       UPDATE devices d SET online = $2, last_protocol = $3,
         last_seen_at = timestamptz 'epoch' + $4::int8 * interval '1 millisecond',
         updated_at = timestamptz 'epoch' + $4::int8 * interval '1 millisecond'
       FROM previous WHERE d.id = $1 RETURNING previous.online AS was`,
      [presence.deviceId, presence.online, presence.protocol, presence.atMs],
    );
    const row = result.rows[0];
    if (!row || row.was === presence.online) return;
    await enqueueEvent(
      tx,
      {
        id: randomUUID(),
        type: presence.online ? 'device.online' : 'device.offline',
        createdAt: new Date(presence.atMs).toISOString(),
        data: { deviceId: presence.deviceId, protocol: presence.protocol },
      },
      presence.deviceId,
    );
  });
}
