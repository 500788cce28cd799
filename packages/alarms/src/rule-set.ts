import type pg from 'pg';
import type { AlarmCondition, AlarmSeverity } from '@twinwire/schemas/alarms';
import { PairMap } from './pair-map.ts';

/** An enabled rule as the evaluator applies it. */
export interface CompiledRule {
  id: string;
  name: string;
  metric: string | null;
  condition: AlarmCondition;
  raiseAfterMs: number;
  clearAfterMs: number;
  severity: AlarmSeverity;
  message: string;
}

/** The enabled rules, indexed by the devices they apply to. */
export interface RuleSet {
  readonly size: number;
  /** The rules that apply to a device (all-device rules included); the same array each call. */
  forDevice(deviceId: string): readonly CompiledRule[];
  /** When the rule was last changed (undefined: not an enabled rule). */
  version(ruleId: string): string | undefined;
  versions(): ReadonlyMap<string, string>;
}

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
  updated_at: Date;
  /** Devices carrying the rule's tag when loaded (tag rules only). */
  tagged: string[] | null;
}

/**
 * Reads the enabled rules. Tag rules are resolved to the devices carrying the tag now; the
 * evaluator reloads when a rule changes and every `refreshMs`, which is how a device tagged
 * later comes under a tag rule.
 */
export async function loadRuleSet(pool: pg.Pool): Promise<RuleSet> {
  const result = await pool.query<RuleRow>(
    `SELECT r.id, r.name, r.device_id, r.tag, r.metric, r.condition, r.raise_after_s,
            r.clear_after_s, r.severity, r.message, r.updated_at,
            CASE WHEN r.tag IS NOT NULL THEN
              ARRAY(SELECT d.id FROM devices d WHERE r.tag = ANY(d.tags)) END AS tagged
     FROM alarm_rules r WHERE r.enabled ORDER BY r.created_at, r.id`,
  );
  return buildRuleSet(result.rows);
}

function buildRuleSet(rows: readonly RuleRow[]): RuleSet {
  const everyDevice: CompiledRule[] = [];
  const perDevice = new Map<string, CompiledRule[]>();
  const addFor = (deviceId: string, rule: CompiledRule) => {
    const list = perDevice.get(deviceId);
    if (list) list.push(rule);
    else perDevice.set(deviceId, [rule]);
  };
  for (const row of rows) {
    const rule: CompiledRule = {
      id: row.id,
      name: row.name,
      metric: row.metric,
      condition: row.condition,
      raiseAfterMs: row.raise_after_s * 1000,
      clearAfterMs: row.clear_after_s * 1000,
      severity: row.severity,
      message: row.message,
    };
    if (row.device_id !== null) addFor(row.device_id, rule);
    else if (row.tagged !== null) for (const deviceId of row.tagged) addFor(deviceId, rule);
    else everyDevice.push(rule);
  }
  const merged = new Map<string, readonly CompiledRule[]>();
  const versions = new Map(rows.map((row) => [row.id, row.updated_at.toISOString()]));
  return {
    size: rows.length,
    version: (ruleId) => versions.get(ruleId),
    versions: () => versions,
    forDevice(deviceId) {
      const own = perDevice.get(deviceId);
      if (!own) return everyDevice;
      let rules = merged.get(deviceId);
      if (!rules) {
        rules = [...everyDevice, ...own];
        merged.set(deviceId, rules);
      }
      return rules;
    },
  };
}

/**
 * The rule and device pairs with something to watch: a condition recorded as holding, or an
 * open alarm. A reading that does not make a rule hold changes nothing for any other pair,
 * so those need no SQL and no memory.
 */
export async function loadActivePairs(pool: pg.Pool): Promise<PairMap<true>> {
  const result = await pool.query<{ rule_id: string; device_id: string }>(
    `SELECT rule_id, device_id FROM alarm_rule_states WHERE holding
     UNION SELECT rule_id, device_id FROM alarms WHERE cleared_at IS NULL AND rule_id IS NOT NULL`,
  );
  const pairs = new PairMap<true>();
  for (const row of result.rows) pairs.set(row.rule_id, row.device_id, true);
  return pairs;
}

export const emptyRuleSet: RuleSet = buildRuleSet([]);
