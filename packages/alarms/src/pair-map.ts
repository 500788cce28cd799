/**
 * Values per device and rule, reached device first: a reading looks its device up once and
 * then each rule by id, with no key string built per rule on the hot path.
 */
export class PairMap<V> {
  private readonly byDevice = new Map<string, Map<string, V>>();

  /** The device's values by rule id, or undefined when it has none. */
  device(deviceId: string): ReadonlyMap<string, V> | undefined {
    return this.byDevice.get(deviceId);
  }

  get(ruleId: string, deviceId: string): V | undefined {
    return this.byDevice.get(deviceId)?.get(ruleId);
  }

  set(ruleId: string, deviceId: string, value: V): void {
    const rules = this.byDevice.get(deviceId);
    if (rules) rules.set(ruleId, value);
    else this.byDevice.set(deviceId, new Map([[ruleId, value]]));
  }

  delete(ruleId: string, deviceId: string): void {
    const rules = this.byDevice.get(deviceId);
    if (!rules) return;
    rules.delete(ruleId);
    if (rules.size === 0) this.byDevice.delete(deviceId);
  }

  /** Drops every value of the rules `drop` picks. */
  deleteRules(drop: (ruleId: string) => boolean): void {
    for (const [deviceId, rules] of this.byDevice) {
      for (const ruleId of rules.keys()) if (drop(ruleId)) rules.delete(ruleId);
      if (rules.size === 0) this.byDevice.delete(deviceId);
    }
  }
}
