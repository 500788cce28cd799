import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { createTelemetryWriter, type TelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { AlarmCondition } from '@twinwire/schemas/alarms';
import { createAlarmEvaluator, type AlarmEvaluator } from '../src/evaluator.ts';
import { acknowledgeAlarm } from '../src/alarm-store.ts';
import { sweepNoData } from '../src/no-data-sweep.ts';

const silent = { warn: () => undefined };
let database: TestDatabase;
const evaluators: AlarmEvaluator[] = [];
const writers: TelemetryWriter[] = [];

beforeEach(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
  await database.pool.query(
    `INSERT INTO devices (id, name, tags) VALUES ('d1', 'one', '{hall}'), ('d2', 'two', '{}')`,
  );
  await database.pool.query(
    `INSERT INTO webhook_destinations (name, url, events, secret)
     VALUES ('ops', 'http://127.0.0.1:9/hook', '{alarm.raised,alarm.cleared}', 's3cret')`,
  );
});

afterEach(async () => {
  for (const writer of writers.splice(0)) await writer.close();
  for (const evaluator of evaluators.splice(0)) await evaluator.close();
  await database.drop();
});

async function addRule(
  condition: AlarmCondition,
  extra: { deviceId?: string; tag?: string; raiseAfterS?: number; clearAfterS?: number } = {},
): Promise<string> {
  const result = await database.pool.query<{ id: string }>(
    `INSERT INTO alarm_rules (name, device_id, tag, metric, condition, raise_after_s, clear_after_s,
       severity, message)
     VALUES ('hot', $1, $2, 'temp', $3, $4, $5, 'critical', '{device} {metric} is {value}')
     RETURNING id`,
    [
      extra.deviceId ?? null,
      extra.tag ?? null,
      JSON.stringify(condition),
      extra.raiseAfterS ?? 0,
      extra.clearAfterS ?? 0,
    ],
  );
  return result.rows[0]!.id;
}

/** One platform instance's ingest: a writer whose committed batches go through an evaluator. */
async function instance(): Promise<{ write: TelemetryWriter['write']; evaluator: AlarmEvaluator }> {
  const evaluator = createAlarmEvaluator({ pool: database.pool, log: silent });
  await evaluator.ready;
  const writer = createTelemetryWriter({
    pool: database.pool,
    onCommitted: (rows) => evaluator.evaluate(rows),
  });
  evaluators.push(evaluator);
  writers.push(writer);
  return { write: (row) => writer.write(row), evaluator };
}

async function alarmRows() {
  const result = await database.pool.query<{
    device_id: string;
    state: string;
    message: string;
    value: unknown;
  }>(`SELECT device_id, state, message, value FROM alarms ORDER BY raised_at, id`);
  return result.rows;
}

async function outboxTypes(): Promise<string[]> {
  const result = await database.pool.query<{ event_type: string }>(
    'SELECT event_type FROM webhook_outbox ORDER BY id',
  );
  return result.rows.map((row) => row.event_type);
}

const t0 = Date.parse('2026-12-01T00:00:00Z');

describe('alarm evaluation after commit', () => {
  it('raises once while the condition holds, clears when it stops, and queues a webhook in the same transaction', async () => {
    await addRule({ op: '>', value: 50 }, { deviceId: 'd1' });
    const { write } = await instance();
    await write({ deviceId: 'd1', ts: t0, seq: 1, metrics: { temp: 60 } });
    await write({ deviceId: 'd1', ts: t0 + 1000, seq: 2, metrics: { temp: 70 } });
    expect(await alarmRows()).toEqual([
      { device_id: 'd1', state: 'raised', message: 'd1 temp is 60', value: 60 },
    ]);
    await write({ deviceId: 'd1', ts: t0 + 2000, seq: 3, metrics: { temp: 40 } });
    expect((await alarmRows()).map((row) => row.state)).toEqual(['cleared']);
    expect(await outboxTypes()).toEqual(['alarm.raised', 'alarm.cleared']);
    await write({ deviceId: 'd1', ts: t0 + 3000, seq: 4, metrics: { temp: 90 } });
    expect((await alarmRows()).map((row) => row.state)).toEqual(['cleared', 'raised']);
  });

  it('applies a rule to devices by tag and to every device', async () => {
    await addRule({ op: 'outside', low: 0, high: 10 }, { tag: 'hall' });
    await addRule({ op: '==', value: 'open' });
    const { write } = await instance();
    await write({ deviceId: 'd1', ts: t0, seq: 1, metrics: { temp: 11 } });
    await write({ deviceId: 'd2', ts: t0, seq: 1, metrics: { temp: 11 } });
    await write({ deviceId: 'd2', ts: t0 + 1, seq: 2, metrics: { temp: 'open' } });
    expect((await alarmRows()).map((row) => row.device_id).sort()).toEqual(['d1', 'd2']);
  });

  it('raises only after the condition held for raise-after and clears only after it stopped for clear-after', async () => {
    await addRule({ op: '>=', value: 50 }, { raiseAfterS: 10, clearAfterS: 10 });
    const { write } = await instance();
    await write({ deviceId: 'd1', ts: t0, seq: 1, metrics: { temp: 50 } });
    await write({ deviceId: 'd1', ts: t0 + 9_000, seq: 2, metrics: { temp: 55 } });
    expect(await alarmRows()).toEqual([]);
    await write({ deviceId: 'd1', ts: t0 + 10_000, seq: 3, metrics: { temp: 51 } });
    expect((await alarmRows()).map((row) => row.state)).toEqual(['raised']);
    await write({ deviceId: 'd1', ts: t0 + 11_000, seq: 4, metrics: { temp: 10 } });
    // A flap back above the threshold restarts the clear-after wait.
    await write({ deviceId: 'd1', ts: t0 + 15_000, seq: 5, metrics: { temp: 60 } });
    await write({ deviceId: 'd1', ts: t0 + 16_000, seq: 6, metrics: { temp: 10 } });
    await write({ deviceId: 'd1', ts: t0 + 25_000, seq: 7, metrics: { temp: 10 } });
    expect((await alarmRows()).map((row) => row.state)).toEqual(['raised']);
    await write({ deviceId: 'd1', ts: t0 + 26_000, seq: 8, metrics: { temp: 10 } });
    expect((await alarmRows()).map((row) => row.state)).toEqual(['cleared']);
  });

  it('several instances evaluating the same readings raise one alarm and one webhook event', async () => {
    await addRule({ op: '<', value: 0 }, { deviceId: 'd1' });
    const instances = await Promise.all([instance(), instance(), instance()]);
    await Promise.all(
      instances.map(({ write }, index) =>
        write({ deviceId: 'd1', ts: t0 + index, seq: index, metrics: { temp: -5 } }),
      ),
    );
    expect(await alarmRows()).toHaveLength(1);
    expect(await outboxTypes()).toEqual(['alarm.raised']);
  });

  it('an instance clears an alarm another instance raised (told by NOTIFY), with no SQL for pairs that hold nothing', async () => {
    await addRule({ op: '>', value: 50 }, { deviceId: 'd1' });
    const listening = async () => {
      const evaluator = createAlarmEvaluator({
        pool: database.pool,
        log: silent,
        databaseUrl: database.url,
      });
      evaluators.push(evaluator);
      await evaluator.ready;
      const writer = createTelemetryWriter({
        pool: database.pool,
        onCommitted: (rows) => evaluator.evaluate(rows),
      });
      writers.push(writer);
      return writer;
    };
    const [first, second] = [await listening(), await listening()];
    await second.write({ deviceId: 'd1', ts: t0, seq: 1, metrics: { temp: 10 } });
    const states = await database.pool.query('SELECT 1 FROM alarm_rule_states');
    expect(states.rowCount).toBe(0);
    await first.write({ deviceId: 'd1', ts: t0 + 1, seq: 2, metrics: { temp: 60 } });
    let seq = 3;
    await expect
      .poll(async () => {
        seq += 1;
        await second.write({ deviceId: 'd1', ts: t0 + seq, seq, metrics: { temp: 10 } });
        return (await alarmRows()).map((row) => row.state);
      })
      .toEqual(['cleared']);
  });

  it('a restarted instance neither raises the open alarm again nor forgets how long a condition held', async () => {
    await addRule({ op: '>', value: 50 }, { raiseAfterS: 10 });
    const first = await instance();
    await first.write({ deviceId: 'd1', ts: t0, seq: 1, metrics: { temp: 60 } });
    await first.write({ deviceId: 'd2', ts: t0, seq: 1, metrics: { temp: 60 } });
    await first.write({ deviceId: 'd1', ts: t0 + 10_000, seq: 2, metrics: { temp: 60 } });
    await first.evaluator.close();
    const second = await instance();
    await second.write({ deviceId: 'd1', ts: t0 + 11_000, seq: 3, metrics: { temp: 61 } });
    // d2 started holding before the restart: 10 s after that, not after the restart.
    await second.write({ deviceId: 'd2', ts: t0 + 10_000, seq: 2, metrics: { temp: 60 } });
    expect((await alarmRows()).map((row) => row.device_id).sort()).toEqual(['d1', 'd2']);
    expect(await outboxTypes()).toEqual(['alarm.raised', 'alarm.raised']);
  });

  it('an acknowledged alarm stays open and is cleared by the rule, with its acknowledger kept', async () => {
    await addRule({ op: '>', value: 50 });
    const { write } = await instance();
    await write({ deviceId: 'd1', ts: t0, seq: 1, metrics: { temp: 60 } });
    const { rows } = await database.pool.query<{ id: string }>('SELECT id FROM alarms');
    const acked = await acknowledgeAlarm(database.pool, rows[0]!.id, 'olga');
    expect(acked.outcome).toBe('changed');
    expect((await acknowledgeAlarm(database.pool, rows[0]!.id, 'olga')).outcome).toBe('unchanged');
    await write({ deviceId: 'd1', ts: t0 + 1, seq: 2, metrics: { temp: 1 } });
    const after = await database.pool.query<{ state: string; acknowledged_by: string }>(
      'SELECT state, acknowledged_by FROM alarms',
    );
    expect(after.rows).toEqual([{ state: 'cleared', acknowledged_by: 'olga' }]);
  });

  it('picks up a rule created after start (NOTIFY) without a restart', async () => {
    const evaluator = createAlarmEvaluator({
      pool: database.pool,
      log: silent,
      databaseUrl: database.url,
    });
    evaluators.push(evaluator);
    await evaluator.ready;
    await addRule({ op: '>', value: 1 });
    await expect.poll(() => evaluator.rules().size).toBe(1);
  });
});

describe('no reading for N seconds', () => {
  it('the sweep raises once for a silent device, and its next reading clears it', async () => {
    await addRule({ op: 'no_data', seconds: 5 }, { deviceId: 'd1' });
    const { write } = await instance();
    const longAgo = Date.now() - 60_000;
    await write({ deviceId: 'd1', ts: longAgo, seq: 1, metrics: { temp: 1 } });
    const sweeps = await Promise.all([
      sweepNoData(database.pool),
      sweepNoData(database.pool),
      sweepNoData(database.pool),
    ]);
    expect(sweeps.flat().map((event) => event.type)).toEqual(['alarm.raised']);
    expect(await sweepNoData(database.pool)).toEqual([]);
    expect((await alarmRows()).map((row) => row.state)).toEqual(['raised']);
    await write({ deviceId: 'd1', ts: Date.now(), seq: 2, metrics: { temp: 1 } });
    expect((await alarmRows()).map((row) => row.state)).toEqual(['cleared']);
  });
});
