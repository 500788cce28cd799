/**
 * Benchmark 5, alarm rule evaluation in process: what `evaluate()` costs per committed
 * reading with no rules, with 1,000 rules that apply to every device, and with 1,000
 * single-device rules (one per device), in the steady state where no rule's condition
 * changes (no SQL). The ingest benchmark prices the same 1,000 rules end to end.
 */
import { performance } from 'node:perf_hooks';
import { createAlarmEvaluator } from '@twinwire/alarms/evaluator';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import { createTestDatabase } from '@twinwire/db/testing';
import { progress, rate, row, type Row } from './stats.ts';

export interface AlarmRuleBenchOptions {
  rules: number;
  devices: number;
  readings: number;
}

const silent = { warn: () => undefined };

export async function benchAlarmRules(
  adminUrl: string,
  options: AlarmRuleBenchOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const database = await createTestDatabase(adminUrl);
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const ids = Array.from({ length: options.devices }, (_, index) => `alarm-bench-${index}`);
    await database.pool.query(
      `INSERT INTO devices (id, name) SELECT id, id FROM unnest($1::text[]) AS id`,
      [ids],
    );
    const batch: TelemetryRow[] = Array.from({ length: options.readings }, (_, index) => ({
      deviceId: ids[index % ids.length] ?? '',
      ts: Date.now() + index,
      seq: index,
      metrics: { temperature: 21.5, humidity: 40, door: false },
    }));
    const scenarios: { name: string; insert: string | undefined }[] = [
      { name: 'no rules', insert: undefined },
      {
        name: `${options.rules} rules on every device`,
        insert: `INSERT INTO alarm_rules (name, metric, condition, severity, message)
          SELECT 'r' || n, 'temperature', jsonb_build_object('op', '>', 'value', 1000 + n), 'info', 'm'
          FROM generate_series(1, ${options.rules}) AS n`,
      },
      {
        name: `${options.rules} one-device rules`,
        insert: `INSERT INTO alarm_rules (name, device_id, metric, condition, severity, message)
          SELECT 'd' || n, 'alarm-bench-' || (n % ${options.devices}), 'temperature',
            jsonb_build_object('op', 'outside', 'low', -50, 'high', 100), 'info', 'm'
          FROM generate_series(1, ${options.rules}) AS n`,
      },
    ];
    let baseline = 0;
    for (const scenario of scenarios) {
      await database.pool.query('DELETE FROM alarm_rules');
      if (scenario.insert) await database.pool.query(scenario.insert);
      const evaluator = createAlarmEvaluator({ pool: database.pool, log: silent });
      await evaluator.ready;
      progress(`alarms: ${scenario.name}`);
      // Warm-up: the JIT, and any first reading of a pair.
      for (let round = 0; round < 3; round += 1) await evaluator.evaluate(batch);
      const rounds = 20;
      const started = performance.now();
      for (let round = 0; round < rounds; round += 1) await evaluator.evaluate(batch);
      const elapsed = performance.now() - started;
      await evaluator.close();
      const perReadingUs = (elapsed * 1000) / (rounds * batch.length);
      if (scenario.insert === undefined) baseline = perReadingUs;
      const statements = await database.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM alarm_rule_states',
      );
      rows.push(
        row({
          benchmark: `alarm evaluation, ${scenario.name}`,
          'msgs/s': `${rate((rounds * batch.length) / (elapsed / 1000))} readings/s`,
          'CPU µs/msg': perReadingUs.toFixed(2),
          target:
            scenario.insert === undefined
              ? 'baseline'
              : `+${(perReadingUs - baseline).toFixed(2)} µs a reading; ${statements.rows[0]?.n ?? 0} state rows written`,
        }),
      );
    }
    notes.push(
      `One evaluator, batches of ${options.readings} readings from ${options.devices} devices ({temperature, humidity, door}); µs per reading is wall time on one thread (no rule changes state, so no SQL runs).`,
    );
  } finally {
    await database.drop();
  }
  return { rows, notes };
}
