import { randomUUID } from 'node:crypto';
import { OUTBOX_CHANNEL } from '@twinwire/db/webhook-outbox-channel';
import type pg from 'pg';
import type {
  Alarm,
  AlarmEvent,
  AlarmEventType,
  DeviceStatusEvent,
} from '@twinwire/schemas/alarms';

/** Channel on which every committed alarm transition is announced (the API's live sockets). */
export const ALARM_EVENTS_CHANNEL = 'twinwire_alarm_events';

export type PlatformEvent = AlarmEvent | DeviceStatusEvent;

export function alarmEvent(type: AlarmEventType, alarm: Alarm): AlarmEvent {
  return { id: randomUUID(), type, createdAt: new Date().toISOString(), data: alarm };
}

/**
 * Writes `event` into the outbox for every enabled destination that subscribed to its type,
 * inside the caller's transaction: the event and the change that caused it commit together
 * or not at all. Returns how many deliveries it queued.
 */
export async function enqueueEvent(
  client: pg.PoolClient,
  event: PlatformEvent,
  deviceId: string,
): Promise<number> {
  const result = await client.query(
    `INSERT INTO webhook_outbox (destination_id, event_id, event_type, device_id, body)
     SELECT d.id, $1, $2, $3, $4::jsonb FROM webhook_destinations d
     WHERE d.enabled AND $2 = ANY(d.events)`,
    [event.id, event.type, deviceId, JSON.stringify(event)],
  );
  const queued = result.rowCount ?? 0;
  if (queued > 0) await client.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  if (event.type.startsWith('alarm.'))
    await client.query(`SELECT pg_notify($1, $2)`, [ALARM_EVENTS_CHANNEL, JSON.stringify(event)]);
  return queued;
}
