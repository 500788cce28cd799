/** The prefix of a shared subscription's filter [MQTT-4.8.2]. */
export const SHARE_PREFIX = '$share/';

/** `$share/{group}/{filter}` taken apart. */
export interface SharedFilter {
  group: string;
  filter: string;
}

/**
 * `null` when the filter is not a shared subscription; `'invalid'` when it starts with
 * `$share/` but has no group name or no filter after it. [MQTT-4.8.2-1] a ShareName is at least
 * one character and holds no `/`, `+` or `#`; [MQTT-4.8.2-2] a Topic Filter follows it.
 * MQTT 3.1.1 reserves nothing here: we read the same form from 3.1.1 clients, as Mosquitto and
 * EMQX do.
 */
export function parseSharedFilter(filter: string): SharedFilter | 'invalid' | null {
  if (!filter.startsWith(SHARE_PREFIX)) return null;
  const slash = filter.indexOf('/', SHARE_PREFIX.length);
  if (slash < 0) return 'invalid';
  const group = filter.slice(SHARE_PREFIX.length, slash);
  const inner = filter.slice(slash + 1);
  if (group === '' || group.includes('+') || group.includes('#') || inner === '') return 'invalid';
  return { group, filter: inner };
}
