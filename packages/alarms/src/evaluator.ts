import type pg from 'pg';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import { listenToDb, type WarnLogger } from '@twinwire/db/listen';
import type { AlarmEvent } from '@twinwire/schemas/alarms';
import { clearRuleAlarm, raiseAlarm, recordHolding } from './alarm-store.ts';
import { conditionHolds, renderMessage, type Reading } from './conditions.ts';
import { ALARM_EVENTS_CHANNEL } from './outbox.ts';
import { PairMap } from './pair-map.ts';
import {
  emptyRuleSet,
  loadActivePairs,
  loadRuleSet,
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
  const known = new PairMap<KnownState>();
  let active = new PairMap<true>();
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  async function reload(): Promise<void> {
    const [next, pairs] = await Promise.all([loadRuleSet(pool), loadActivePairs(pool)]);
    ruleSet = next;
    active = pairs;
    // A changed or removed rule may judge readings differently: re-learn its states.
    known.deleteRules((ruleId) => next.version(ruleId) !== previous.get(ruleId));
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
  // A database that refuses the first load does not stop the process starting: the rules
  // load on a retry every second until they do (readings meanwhile meet no rule).
  let retry: NodeJS.Timeout | undefined;
  const firstLoad = (): Promise<void> =>
    reload().catch((error: unknown) => {
      log.warn({ err: error }, 'alarm rules could not be loaded; retrying');
      if (!closed) retry = setTimeout(() => void firstLoad(), 1_000);
    });
  const ready = Promise.all([firstLoad(), events?.ready]).then(() => undefined);

  function noteTransition(payload: string): void {
    try {
      const event = JSON.parse(payload) as AlarmEvent;
      if (event.data.ruleId === null) return;
      const { ruleId, deviceId } = event.data;
      if (event.type === 'alarm.raised') active.set(ruleId, deviceId, true);
      else if (event.type === 'alarm.cleared') active.delete(ruleId, deviceId);
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
    let state = known.get(rule.id, deviceId);
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
        known.set(rule.id, deviceId, state);
        if (holding) active.set(rule.id, deviceId, true);
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
        active.set(rule.id, deviceId, true);
        if (event) options.onEvent?.(event);
      } else if (!holding && state.open !== false && atMs - state.sinceMs >= rule.clearAfterMs) {
        const event = await clearRuleAlarm(pool, rule.id, deviceId);
        state.open = false;
        active.delete(rule.id, deviceId);
        if (event) options.onEvent?.(event);
      }
    } catch (error) {
      known.delete(rule.id, deviceId);
      log.warn({ err: error, ruleId: rule.id, deviceId }, 'alarm rule evaluation failed');
    }
  }

  async function run(rows: readonly TelemetryRow[]): Promise<void> {
    for (const row of rows) {
      const { deviceId } = row;
      const rules = ruleSet.forDevice(deviceId);
      if (rules.length === 0) continue;
      let knownHere = known.device(deviceId);
      let activeHere = active.device(deviceId);
      for (const rule of rules) {
        if (rule.condition.op === 'no_data') {
          // Per pair: only a reading after a silence long enough for the sweep needs SQL.
          await step(rule, deviceId, false, row.ts, null);
        } else {
          if (rule.metric === null) continue;
          const value = row.metrics[rule.metric];
          if (value === undefined) continue;
          const holding = conditionHolds(rule.condition, value);
          if (holding === undefined) continue;
          const state = knownHere?.get(rule.id);
          // The common cases, with no SQL: not holding where nothing is held or open, or
          // nothing changed and nothing is due.
          if (
            state === undefined
              ? !holding && activeHere?.has(rule.id) !== true
              : state.holding === holding && state.open === holding
          )
            continue;
          await step(rule, deviceId, holding, row.ts, value);
        }
        knownHere = known.device(deviceId);
        activeHere = active.device(deviceId);
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
      clearTimeout(retry);
      await chain;
      await events?.close();
    },
  };
}
