import type pg from 'pg';
import { ALARM_COLUMNS, toAlarm } from '@twinwire/alarms/alarm-store';
import type {
  Alarm,
  AlarmCondition,
  AlarmRule,
  AlarmRuleInput,
  AlarmSeverity,
  AlarmState,
} from '@twinwire/schemas/alarms';

interface RuleRow {
  id: string;
  name: string;
  device_id: string | null;
  tag: string | null;
  metric: string | null;
  condition: AlarmCondition;
  raise_after_s: number;
  clear_after_s: number;
  severity: AlarmSeverity;
  message: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const RULE_COLUMNS = `id, name, device_id, tag, metric, condition, raise_after_s, clear_after_s,
  severity, message, enabled, created_at, updated_at`;

function toRule(row: RuleRow): AlarmRule {
  return {
    id: row.id,
    name: row.name,
    deviceId: row.device_id,
    tag: row.tag,
    metric: row.metric,
    condition: row.condition,
    raiseAfterS: row.raise_after_s,
    clearAfterS: row.clear_after_s,
    severity: row.severity,
    message: row.message,
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function ruleValues(input: AlarmRuleInput): unknown[] {
  return [
    input.name,
    input.deviceId ?? null,
    input.tag ?? null,
    input.condition.op === 'no_data' ? null : (input.metric ?? null),
    JSON.stringify(input.condition),
    input.raiseAfterS,
    input.clearAfterS,
    input.severity,
    input.message,
    input.enabled,
  ];
}

export async function listRules(pool: pg.Pool): Promise<AlarmRule[]> {
  const result = await pool.query<RuleRow>(
    `SELECT ${RULE_COLUMNS} FROM alarm_rules ORDER BY created_at, id`,
  );
  return result.rows.map(toRule);
}

export async function getRule(pool: pg.Pool, id: string): Promise<AlarmRule | undefined> {
  const result = await pool.query<RuleRow>(
    `SELECT ${RULE_COLUMNS} FROM alarm_rules WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row && toRule(row);
}

export async function createRule(pool: pg.Pool, input: AlarmRuleInput): Promise<AlarmRule> {
  const result = await pool.query<RuleRow>(
    `INSERT INTO alarm_rules (name, device_id, tag, metric, condition, raise_after_s,
       clear_after_s, severity, message, enabled)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10) RETURNING ${RULE_COLUMNS}`,
    ruleValues(input),
  );
  const [row] = result.rows;
  if (!row) throw new Error('INSERT … RETURNING returned no row');
  return toRule(row);
}

export async function replaceRule(
  pool: pg.Pool,
  id: string,
  input: AlarmRuleInput,
): Promise<AlarmRule | undefined> {
  const result = await pool.query<RuleRow>(
    `UPDATE alarm_rules SET name = $1, device_id = $2, tag = $3, metric = $4,
       condition = $5::jsonb, raise_after_s = $6, clear_after_s = $7, severity = $8,
       message = $9, enabled = $10, updated_at = now()
     WHERE id = $11 RETURNING ${RULE_COLUMNS}`,
    [...ruleValues(input), id],
  );
  const row = result.rows[0];
  return row && toRule(row);
}

export async function deleteRule(pool: pg.Pool, id: string): Promise<boolean> {
  const result = await pool.query('DELETE FROM alarm_rules WHERE id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}

export async function getAlarm(pool: pg.Pool, id: string): Promise<Alarm | undefined> {
  const result = await pool.query<Parameters<typeof toAlarm>[0]>(
    `SELECT ${ALARM_COLUMNS} FROM alarms WHERE id = $1`,
    [id],
  );
  const row = result.rows[0];
  return row && toAlarm(row);
}

export interface AlarmFilter {
  state?: AlarmState | 'open' | undefined;
  deviceId?: string | undefined;
  ruleId?: string | undefined;
  severity?: AlarmSeverity | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Open at or after this time: not cleared, or cleared then or later. */
  activeFrom?: string | undefined;
  /** The last alarm of the previous page: its raised time and id. */
  after?: { raisedAt: string; id: string } | undefined;
  limit: number;
}

/** Alarm history, newest raised first, keyset-paged on (raised_at, id). */
export async function listAlarms(pool: pg.Pool, filter: AlarmFilter): Promise<Alarm[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.state === 'open') where.push('cleared_at IS NULL');
  else if (filter.state) where.push(`state = ${param(filter.state)}`);
  if (filter.deviceId) where.push(`device_id = ${param(filter.deviceId)}`);
  if (filter.ruleId) where.push(`rule_id = ${param(filter.ruleId)}`);
  if (filter.severity) where.push(`severity = ${param(filter.severity)}`);
  if (filter.from) where.push(`raised_at >= ${param(filter.from)}`);
  if (filter.to) where.push(`raised_at < ${param(filter.to)}`);
  if (filter.activeFrom)
    where.push(`(cleared_at IS NULL OR cleared_at >= ${param(filter.activeFrom)})`);
  if (filter.after)
    where.push(
      `(raised_at, id) < (${param(filter.after.raisedAt)}::timestamptz, ${param(filter.after.id)}::uuid)`,
    );
  const result = await pool.query<Parameters<typeof toAlarm>[0]>(
    `SELECT ${ALARM_COLUMNS} FROM alarms
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY raised_at DESC, id DESC LIMIT ${param(filter.limit)}`,
    values,
  );
  return result.rows.map(toAlarm);
}

export async function countOpenAlarms(pool: pg.Pool): Promise<{ open: number; raised: number }> {
  const result = await pool.query<{ open: number; raised: number }>(
    `SELECT count(*)::int AS open, count(*) FILTER (WHERE state = 'raised')::int AS raised
     FROM alarms WHERE cleared_at IS NULL`,
  );
  return result.rows[0] ?? { open: 0, raised: 0 };
}
