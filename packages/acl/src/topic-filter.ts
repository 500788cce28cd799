import { topicFilterProblem, topicNameProblem } from './topic-text.ts';

/** A topic name or filter split on '/'. Empty levels are real levels: `a//b` has three. */
export type Levels = readonly string[];

/** True when `topic` may be published to: non-empty, no wildcard, no NUL, ≤ 65535 UTF-8 bytes. */
export function isValidTopicName(topic: string): boolean {
  return topicNameProblem(topic) === null;
}

/** True when `filter` may be subscribed to: `+` and `#` each fill a whole level, `#` only last. */
export function isValidTopicFilter(filter: string): boolean {
  return topicFilterProblem(filter) === null;
}

export function startsWithDollar(level: string | undefined): boolean {
  return level !== undefined && level.charCodeAt(0) === 0x24;
}

function isWildcard(level: string | undefined): boolean {
  return level === '+' || level === '#';
}

const EMPTY_ROOT_HASH: Levels = Object.freeze(['', '+', '#']);

/**
 * [MQTT-4.7.3-1] the empty string is not a topic name, so the parent that '/#' would match is no
 * topic: as a set of topics '/#' is '/+/#'. Level-by-level containment and overlap need the
 * latter spelling (otherwise '+' and '/#' would seem to share the topic '').
 */
export function withoutEmptyTopic<T>(levels: readonly (string | T)[]): readonly (string | T)[] {
  return levels.length === 2 && levels[0] === '' && levels[1] === '#' ? EMPTY_ROOT_HASH : levels;
}

/** `matchesFilter` on split, already valid input. */
export function matchLevels(filter: Levels, topic: Levels): boolean {
  // [MQTT-4.7.2-1] a wildcard first level never matches a topic starting with '$'.
  if (isWildcard(filter[0]) && startsWithDollar(topic[0])) return false;
  for (let i = 0; i < filter.length; i++) {
    const level = filter[i];
    // [MQTT-4.7.1-2] '#' matches the parent level too: `a/#` matches `a`.
    if (level === '#') return true;
    if (i >= topic.length) return false;
    if (level !== '+' && level !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/** `filterContains` on split, already valid input. */
export function containsLevels(outer: Levels, split: Levels): boolean {
  const inner = withoutEmptyTopic(split);
  // [MQTT-4.7.2-1] every topic of an inner filter starting with a '$' level starts with '$',
  // and a wildcard first level reaches none of them.
  if (isWildcard(outer[0]) && startsWithDollar(inner[0])) return false;
  for (let i = 0; i < outer.length; i++) {
    const level = outer[i];
    if (level === '#') return true;
    const innerLevel = inner[i];
    // Inner ended: its topics stop here, which only '#' (the parent rule) still matches.
    if (innerLevel === undefined) return false;
    // Only '#' covers the any-depth tail of an inner '#', except that a whole-filter '#' has at
    // least one level and skips '$' topics [MQTT-4.7.2-1], exactly like '+/#'.
    if (innerLevel === '#')
      return i === 0 && level === '+' && outer.length === 2 && outer[1] === '#';
    // A literal level covers only itself, never the infinitely many levels of an inner '+'.
    if (level !== '+' && level !== innerLevel) return false;
  }
  return outer.length === inner.length;
}

/** `filtersOverlap` on split, already valid input. */
export function overlapLevels(splitA: Levels, splitB: Levels): boolean {
  const a = withoutEmptyTopic(splitA);
  const b = withoutEmptyTopic(splitB);
  // [MQTT-4.7.2-1] a wildcard first level and a '$' first level share no topic.
  if (isWildcard(a[0]) && startsWithDollar(b[0])) return false;
  if (isWildcard(b[0]) && startsWithDollar(a[0])) return false;
  for (let i = 0; ; i++) {
    const x = a[i];
    const y = b[i];
    if (x === '#' || y === '#') return true;
    if (x === undefined || y === undefined) return x === y;
    if (x !== '+' && y !== '+' && x !== y) return false;
  }
}

/**
 * True when `topic` is a valid topic name matched by the valid filter `filter`.
 * Empty levels are levels; `#` also matches the parent; a wildcard first level skips `$` topics.
 */
export function matchesFilter(filter: string, topic: string): boolean {
  return (
    isValidTopicFilter(filter) &&
    isValidTopicName(topic) &&
    matchLevels(filter.split('/'), topic.split('/'))
  );
}

/**
 * True when every topic `inner` can match is also matched by `outer` (set containment, not string
 * comparison): `devices/+/x` contains `devices/a/x`, `devices/a/#` does not contain `devices/#`,
 * `#` does not contain `$SYS/#`. False when either filter is invalid.
 */
export function filterContains(outer: string, inner: string): boolean {
  return (
    isValidTopicFilter(outer) &&
    isValidTopicFilter(inner) &&
    containsLevels(outer.split('/'), inner.split('/'))
  );
}

/** True when some topic name matches both filters. False when either filter is invalid. */
export function filtersOverlap(a: string, b: string): boolean {
  return (
    isValidTopicFilter(a) && isValidTopicFilter(b) && overlapLevels(a.split('/'), b.split('/'))
  );
}
