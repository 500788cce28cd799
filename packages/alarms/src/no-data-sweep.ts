import type pg from 'pg';
import type { AlarmEvent, AlarmSeverity } from '@twinwire/schemas/alarms';
import { raiseAlarm } from './alarm-store.ts';
import { renderMessage } from './conditions.ts';
import { inTransaction } from './transaction.ts';

// Any constant: the same in every API instance of a database. "twna" (no data alarms).
const SWEEP_LOCK_KEY = 0x7477_6e61;

interface SilentRow {
  rule_id: string;
  rule_name: string;
  severity: AlarmSeverity;
  message: string;
  device_id: string;
  silent_since: Date;
}

/**
 * Raises the "no reading for N seconds" alarms that are due: a rule's device whose latest
 * reading (or, if it never sent one, the later of its and the rule's creation) is older than
 * N + raise-after seconds, without an open alarm for the rule. One instance sweeps at a time
 * (a transaction-level advisory lock; the others skip this round), and `alarms_open_idx`
 * makes a second raise impossible anyway. Returns the events it raised.
 */
export async function sweepNoData(pool: pg.Pool): Promise<AlarmEvent[]> {
  return inTransaction(pool, async (tx) => {
    const lock = await tx.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [SWEEP_LOCK_KEY],
    );
    if (!lock.rows[0]?.locked) return [];
    const silent = await tx.query<SilentRow>(
      `SELECT r.id AS rule_id, r.name AS rule_name, r.severity, r.message, d.id AS device_id,
              coalesce(last.ts, greatest(d.created_at, r.created_at))
                + (r.condition->>'seconds')::int * interval '1 second' AS silent_since
       FROM alarm_rules r
       JOIN devices d ON d.id = r.device_id
         OR (r.device_id IS NULL AND (r.tag IS NULL OR r.tag = ANY(d.tags)))
       LEFT JOIN LATERAL (SELECT max(t.ts) AS ts FROM telemetry t WHERE t.device_id = d.id) last
         ON true
       WHERE r.enabled AND r.condition->>'op' = 'no_data'
         AND coalesce(last.ts, greatest(d.created_at, r.created_at))
           + ((r.condition->>'seconds')::int + r.raise_after_s) * interval '1 second' <= now()
         AND NOT EXISTS (SELECT 1 FROM alarms a
           WHERE a.rule_id = r.id AND a.device_id = d.id AND a.cleared_at IS NULL)`,
    );
    const events: AlarmEvent[] = [];
    for (const row of silent.rows) {
      await tx.query(
        `INSERT INTO alarm_rule_states (rule_id, device_id, holding, since) VALUES ($1, $2, true, $3)
         ON CONFLICT (rule_id, device_id) DO UPDATE SET holding = true, since = excluded.since`,
        [row.rule_id, row.device_id, row.silent_since],
      );
      const event = await raiseAlarm(
        pool,
        {
          ruleId: row.rule_id,
          ruleName: row.rule_name,
          deviceId: row.device_id,
          severity: row.severity,
          message: renderMessage(row.message, {
            device: row.device_id,
            metric: null,
            value: null,
            rule: row.rule_name,
          }),
          value: null,
        },
        tx,
      );
      if (event) events.push(event);
    }
    return events;
  });
}
