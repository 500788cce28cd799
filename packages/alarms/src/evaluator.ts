import type pg from 'pg';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import { listenToDb, type WarnLogger } from '@twinwire/db/listen';
import type { AlarmEvent } from '@twinwire/schemas/alarms';
import { clearRuleAlarm, raiseAlarm, recordHolding } from './alarm-store.ts';
import { conditionHolds, renderMessage, type Reading } from './conditions.ts';
import { ALARM_EVENTS_CHANNEL } from './outbox.ts';
import {
  emptyRuleSet,
  loadActivePairs,
  loadRuleSet,
  pairKey,
  type CompiledRule,
  type RuleSet,
} from './rule-set.ts';

export const ALARM_RULES_CHANNEL = 'twinwire_alarm_rules';

export interface AlarmEvaluatorOptions {
  pool: pg.Pool;
  log: WarnLogger;
  /** For LISTEN: rule changes made anywhere reach this evaluator. Unset: only `refreshMs`. */
  databaseUrl?: string;
  /** How often the rules (and the devices under tag rules) are re-read; default 30 s. */
  refreshMs?: number;
  /** Told about each transition this evaluator made, after it committed. */
  onEvent?: (event: AlarmEvent) => void;
}

export interface AlarmEvaluator {
  /** Resolves once the rules are loaded (and LISTEN is active, with `databaseUrl`). */
  ready: Promise<void>;
  /**
   * Evaluates committed readings against the rules. Never rejects: a failure is logged and
   * the affected rule states are forgotten, so the next reading re-reads them.
   */
  evaluate(rows: readonly TelemetryRow[]): Promise<void>;
  /** Re-reads the rules now. */
  reload(): Promise<void>;
  rules(): RuleSet;
  close(): Promise<void>;
}

/**
 * What this process last knew of a rule and device. The database holds the truth
 * (`alarm_rule_states`, `alarms_open_idx`); this only spares a statement per reading: a
 * reading that changes nothing costs no SQL.
 */
interface KnownState {
  holding: boolean;
  sinceMs: number;
  /** Whether the rule's alarm for the device is open; undefined until learnt. */
  open: boolean | undefined;
  /** Latest reading seen (no_data rules only). */
  lastReadingMs: number;
}

export function createAlarmEvaluator(options: AlarmEvaluatorOptions): AlarmEvaluator {
  const { pool, log } = options;
  let ruleSet: RuleSet = emptyRuleSet;
  let previous: ReadonlyMap<string, string> = new Map();
  const known = new Map<string, KnownState>();
  let active = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  async function reload(): Promise<void> {
    const [next, pairs] = await Promise.all([loadRuleSet(pool), loadActivePairs(pool)]);
    ruleSet = next;
    active = pairs;
    // A changed or removed rule may judge readings differently: re-learn its states.
    for (const key of known.keys()) {
      const ruleId = key.slice(0, key.indexOf('\u0000'));
      if (next.version(ruleId) !== previous.get(ruleId)) known.delete(key);
    }
    previous = next.versions();
  }
  const reloadLogged = () =>
    reload().catch((error: unknown) => {
      log.warn({ err: error }, 'alarm rules could not be reloaded; keeping the previous ones');
    });

  const events = options.databaseUrl
    ? listenToDb({
        url: options.databaseUrl,
        channels: {
          [ALARM_RULES_CHANNEL]: () => void reloadLogged(),
          // Transitions made anywhere (another broker, the API's sweep) mark a pair active.
          [ALARM_EVENTS_CHANNEL]: (payload) => {
            noteTransition(payload);
          },
        },
        onReconnect: () => void reloadLogged(),
        log,
        applicationName: 'twinwire-alarm-rules',
      })
    : undefined;
  const timer = setInterval(() => void reloadLogged(), options.refreshMs ?? 30_000);
  timer.unref();
  const ready = Promise.all([reload(), events?.ready]).then(() => undefined);

  function noteTransition(payload: string): void {
    try {
      const event = JSON.parse(payload) as AlarmEvent;
      if (event.data.ruleId === null) return;
      const key = pairKey(event.data.ruleId, event.data.deviceId);
      if (event.type === 'alarm.raised') active.add(key);
      else if (event.type === 'alarm.cleared') active.delete(key);
    } catch (error) {
      log.warn({ err: error }, 'unreadable alarm event notification');
    }
  }

  async function step(
    rule: CompiledRule,
    deviceId: string,
    holding: boolean,
    atMs: number,
    value: Reading | null,
  ): Promise<void> {
    const key = pairKey(rule.id, deviceId);
    let state = known.get(key);
    try {
      if (rule.condition.op === 'no_data') {
        // Only the silence sweep raises these; a reading after a silence long enough for it
        // to have done so is when the database must be asked.
        const quiet = !state || atMs - state.lastReadingMs >= rule.condition.seconds * 1000;
        if (!quiet && state) {
          state.lastReadingMs = Math.max(state.lastReadingMs, atMs);
          return;
        }
        // The sweep may have raised it meanwhile: what this process knew is stale.
        state = undefined;
      }
      if (!state || state.holding !== holding) {
        const recorded = await recordHolding(pool, rule.id, deviceId, holding, atMs);
        state = { ...recorded, open: undefined, lastReadingMs: atMs };
        known.set(key, state);
        if (holding) active.add(key);
      }
      if (holding && state.open !== true && atMs - state.sinceMs >= rule.raiseAfterMs) {
        const event = await raiseAlarm(pool, {
          ruleId: rule.id,
          ruleName: rule.name,
          deviceId,
          severity: rule.severity,
          message: renderMessage(rule.message, {
            device: deviceId,
            metric: rule.metric,
            value,
            rule: rule.name,
          }),
          value,
        });
        state.open = true;
        active.add(key);
        if (event) options.onEvent?.(event);
      } else if (!holding && state.open !== false && atMs - state.sinceMs >= rule.clearAfterMs) {
        const event = await clearRuleAlarm(pool, rule.id, deviceId);
        state.open = false;
        active.delete(key);
        if (event) options.onEvent?.(event);
      }
    } catch (error) {
      known.delete(key);
      log.warn({ err: error, ruleId: rule.id, deviceId }, 'alarm rule evaluation failed');
    }
  }

  async function run(rows: readonly TelemetryRow[]): Promise<void> {
    for (const row of rows) {
      const rules = ruleSet.forDevice(row.deviceId);
      for (const rule of rules) {
        const key = pairKey(rule.id, row.deviceId);
        if (rule.condition.op === 'no_data') {
          // Per pair: only a reading after a silence long enough for the sweep needs SQL.
          await step(rule, row.deviceId, false, row.ts, null);
          continue;
        }
        if (rule.metric === null) continue;
        const value = row.metrics[rule.metric];
        if (value === undefined) continue;
        const holding = conditionHolds(rule.condition, value);
        if (holding === undefined) continue;
        const state = known.get(key);
        // The common cases: not holding where nothing is held or open, or nothing changed
        // and nothing is due.
        if (
          state === undefined
            ? !holding && !active.has(key)
            : state.holding === holding && state.open === holding
        )
          continue;
        await step(rule, row.deviceId, holding, row.ts, value);
      }
    }
  }

  return {
    ready,
    evaluate(rows) {
      if (closed || ruleSet.size === 0) return chain;
      // One batch at a time: a rule and device see their readings in commit order.
      chain = chain.then(() => run(rows));
      return chain;
    },
    reload,
    rules: () => ruleSet,
    async close() {
      closed = true;
      clearInterval(timer);
      await chain;
      await events?.close();
    },
  };
}
