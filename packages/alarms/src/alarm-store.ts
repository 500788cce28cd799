import type pg from 'pg';
import type { Alarm, AlarmEvent, AlarmSeverity } from '@twinwire/schemas/alarms';
import type { Reading } from './conditions.ts';
import { alarmEvent, enqueueEvent } from './outbox.ts';
import { inTransaction } from './transaction.ts';

/** An `alarms` row as the pg driver returns it. */
interface AlarmRow {
  id: string;
  rule_id: string | null;
  rule_name: string;
  device_id: string;
  severity: AlarmSeverity;
  state: Alarm['state'];
  message: string;
  value: Reading | null;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  cleared_at: Date | null;
  cleared_by: string | null;
}

export const ALARM_COLUMNS = `id, rule_id, rule_name, device_id, severity, state, message, value,
  raised_at, acknowledged_at, acknowledged_by, cleared_at, cleared_by`;

export function toAlarm(row: AlarmRow): Alarm {
  return {
    id: row.id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    deviceId: row.device_id,
    severity: row.severity,
    state: row.state,
    message: row.message,
    value: row.value,
    raisedAt: row.raised_at.toISOString(),
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
    acknowledgedBy: row.acknowledged_by,
    clearedAt: row.cleared_at?.toISOString() ?? null,
    clearedBy: row.cleared_by,
  };
}

export interface RaiseRequest {
  ruleId: string;
  ruleName: string;
  deviceId: string;
  severity: AlarmSeverity;
  message: string;
  value: Reading | null;
}

/**
 * Raises the rule's alarm for the device unless one is open. The unique partial index
 * `alarms_open_idx` decides: of several instances raising at once, one inserts and the others
 * find the conflict, so the alarm and its webhook events exist once. Resolves with the event
 * when this call raised it.
 */
export async function raiseAlarm(
  pool: pg.Pool,
  request: RaiseRequest,
  client?: pg.PoolClient,
): Promise<AlarmEvent | null> {
  const work = async (tx: pg.PoolClient) => {
    const result = await tx.query<AlarmRow>(
      `INSERT INTO alarms (rule_id, rule_name, device_id, severity, message, value)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (rule_id, device_id) WHERE cleared_at IS NULL DO NOTHING
       RETURNING ${ALARM_COLUMNS}`,
      [
        request.ruleId,
        request.ruleName,
        request.deviceId,
        request.severity,
        request.message,
        JSON.stringify(request.value),
      ],
    );
    return announce(tx, result.rows[0], 'alarm.raised');
  };
  return client ? work(client) : inTransaction(pool, work);
}

/** Clears the rule's open alarm for the device (the condition stopped holding long enough). */
export function clearRuleAlarm(
  pool: pg.Pool,
  ruleId: string,
  deviceId: string,
): Promise<AlarmEvent | null> {
  return inTransaction(pool, async (tx) => {
    const result = await tx.query<AlarmRow>(
      `UPDATE alarms SET state = 'cleared', cleared_at = now()
       WHERE rule_id = $1 AND device_id = $2 AND cleared_at IS NULL
       RETURNING ${ALARM_COLUMNS}`,
      [ruleId, deviceId],
    );
    return announce(tx, result.rows[0], 'alarm.cleared');
  });
}

export type AlarmActionOutcome =
  | { outcome: 'changed'; event: AlarmEvent }
  | { outcome: 'unchanged'; alarm: Alarm }
  | { outcome: 'not-found' };

/** An operator acknowledges a raised alarm; acknowledging it again changes nothing. */
export function acknowledgeAlarm(
  pool: pg.Pool,
  alarmId: string,
  username: string,
): Promise<AlarmActionOutcome> {
  return operatorAction(
    pool,
    alarmId,
    `UPDATE alarms SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2
     WHERE id = $1 AND state = 'raised' RETURNING ${ALARM_COLUMNS}`,
    username,
    'alarm.acknowledged',
  );
}

/** An operator clears an open alarm; clearing a cleared one changes nothing. */
export function clearAlarm(
  pool: pg.Pool,
  alarmId: string,
  username: string,
): Promise<AlarmActionOutcome> {
  return operatorAction(
    pool,
    alarmId,
    `UPDATE alarms SET state = 'cleared', cleared_at = now(), cleared_by = $2
     WHERE id = $1 AND cleared_at IS NULL RETURNING ${ALARM_COLUMNS}`,
    username,
    'alarm.cleared',
  );
}

function operatorAction(
  pool: pg.Pool,
  alarmId: string,
  update: string,
  username: string,
  type: AlarmEvent['type'],
): Promise<AlarmActionOutcome> {
  return inTransaction(pool, async (tx) => {
    const changed = await tx.query<AlarmRow>(update, [alarmId, username]);
    const event = await announce(tx, changed.rows[0], type);
    if (event) return { outcome: 'changed', event };
    const current = await tx.query<AlarmRow>(`SELECT ${ALARM_COLUMNS} FROM alarms WHERE id = $1`, [
      alarmId,
    ]);
    const row = current.rows[0];
    return row ? { outcome: 'unchanged', alarm: toAlarm(row) } : { outcome: 'not-found' };
  });
}

async function announce(
  tx: pg.PoolClient,
  row: AlarmRow | undefined,
  type: AlarmEvent['type'],
): Promise<AlarmEvent | null> {
  if (!row) return null;
  const event = alarmEvent(type, toAlarm(row));
  await enqueueEvent(tx, event, row.device_id);
  return event;
}

/**
 * Records whether the rule's condition holds for the device, keeping `since` while it did
 * not change: the database, not this process, remembers how long it has held.
 */
export async function recordHolding(
  pool: pg.Pool,
  ruleId: string,
  deviceId: string,
  holding: boolean,
  atMs: number,
): Promise<{ holding: boolean; sinceMs: number }> {
  const result = await pool.query<{ since: Date }>(
    `INSERT INTO alarm_rule_states AS s (rule_id, device_id, holding, since)
     VALUES ($1, $2, $3, timestamptz 'epoch' + $4::int8 * interval '1 millisecond')
     ON CONFLICT (rule_id, device_id) DO UPDATE
       SET since = CASE WHEN s.holding = excluded.holding THEN s.since ELSE excluded.since END,
           holding = excluded.holding
     RETURNING since`,
    [ruleId, deviceId, holding, atMs],
  );
  const row = result.rows[0];
  return { holding, sinceMs: row ? row.since.getTime() : atMs };
}
