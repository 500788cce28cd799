/**
 * A deliberately simple reference for tests and the benchmark: no index, no trie, no reuse
 * between calls. Written apart from the compiled evaluator so the two can be compared.
 */
import type { AclRule, Action, Principal } from './rules.ts';

const LONE_SURROGATE = /\p{Cs}/u;
const PLACEHOLDER = /\{(deviceId|username)\}/g;

function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

export function naiveIsValidTopicName(topic: string): boolean {
  return (
    topic !== '' &&
    !topic.includes('+') &&
    !topic.includes('#') &&
    !hasNul(topic) &&
    !LONE_SURROGATE.test(topic) &&
    Buffer.byteLength(topic, 'utf8') <= 65535
  );
}

export function naiveIsValidTopicFilter(filter: string): boolean {
  if (filter === '' || hasNul(filter) || LONE_SURROGATE.test(filter)) return false;
  if (Buffer.byteLength(filter, 'utf8') > 65535) return false;
  const levels = filter.split('/');
  return levels.every(
    (level, i) =>
      level === '+' ||
      (level === '#' && i === levels.length - 1) ||
      (!level.includes('+') && !level.includes('#')),
  );
}

const isWildcard = (level: string | undefined): boolean => level === '+' || level === '#';
const isDollar = (level: string | undefined): boolean => level?.startsWith('$') ?? false;

function matchRest(filter: string[], topic: string[], i = 0): boolean {
  const f = filter[i];
  const t = topic[i];
  if (f === undefined) return t === undefined;
  if (f === '#') return true;
  if (t === undefined) return false;
  return (f === '+' || f === t) && matchRest(filter, topic, i + 1);
}

/** `naiveMatches` for a valid, split filter and topic. */
function matchSplit(filter: string[], topic: string[]): boolean {
  if (isWildcard(filter[0]) && isDollar(topic[0])) return false;
  return matchRest(filter, topic);
}

export function naiveMatches(filter: string, topic: string): boolean {
  if (!naiveIsValidTopicFilter(filter) || !naiveIsValidTopicName(topic)) return false;
  return matchSplit(filter.split('/'), topic.split('/'));
}

function containRest(outer: string[], inner: string[]): boolean {
  const [o, ...os] = outer;
  const [i, ...is] = inner;
  if (o === '#') return true;
  if (o === undefined || i === undefined) return o === i;
  if (i === '#') return false;
  if (o === '+') return containRest(os, is);
  return o === i && containRest(os, is);
}

export function naiveFilterContains(outer: string, inner: string): boolean {
  if (!naiveIsValidTopicFilter(outer) || !naiveIsValidTopicFilter(inner)) return false;
  const o = outer.split('/');
  const i = inner.split('/');
  if (isWildcard(o[0]) && isDollar(i[0])) return false;
  // The filter '#' is every topic not starting with '$': one level or more, so '+/#' as well.
  if (inner === '#') return outer === '#' || outer === '+/#';
  // '/#' cannot match its parent: that would be '', which is not a topic name.
  if (inner === '/#') return containRest(o, ['', '+', '#']);
  return containRest(o, i);
}

function overlapRest(a: string[], b: string[]): boolean {
  const [x, ...xs] = a;
  const [y, ...ys] = b;
  if (x === '#' || y === '#') return true;
  if (x === undefined || y === undefined) return x === y;
  return (x === '+' || y === '+' || x === y) && overlapRest(xs, ys);
}

export function naiveFiltersOverlap(a: string, b: string): boolean {
  if (!naiveIsValidTopicFilter(a) || !naiveIsValidTopicFilter(b)) return false;
  const x = a.split('/');
  const y = b.split('/');
  if (isWildcard(x[0]) && isDollar(y[0])) return false;
  if (isWildcard(y[0]) && isDollar(x[0])) return false;
  // '+' and '/#' share only '', which is not a topic name.
  if ((a === '+' && b === '/#') || (a === '/#' && b === '+')) return false;
  return overlapRest(x, y);
}

function freshLevel(taken: ReadonlySet<string>, prefix: string): string {
  let n = 0;
  while (taken.has(`${prefix}fresh${n}`)) n++;
  return `${prefix}fresh${n}`;
}

/**
 * Calls `visit` with every topic that decides a question about `filters`, until it returns true.
 * Matching only compares a level with the filters' literals and checks a leading '$', so every
 * topic behaves like one built from those literals plus one fresh level and one fresh '$' level,
 * no longer than the longest filter plus one.
 */
function someWitness(filters: readonly string[][], visit: (topic: string[]) => boolean): boolean {
  const literals = new Set(filters.flat().filter((level) => !isWildcard(level)));
  const alphabet = [...literals, freshLevel(literals, ''), freshLevel(literals, '$')];
  const maxLength = Math.max(...filters.map((levels) => levels.length)) + 1;
  const extend = (topic: string[]): boolean => {
    // [''] is the empty string, which is not a topic name.
    const isTopic = topic.length > 1 || (topic.length === 1 && topic[0] !== '');
    if (isTopic && visit(topic)) return true;
    return topic.length < maxLength && alphabet.some((level) => extend([...topic, level]));
  };
  return extend([]);
}

/** Containment decided by enumerating every topic that could tell the filters apart. */
export function bruteForceFilterContains(outer: string, inner: string): boolean {
  if (!naiveIsValidTopicFilter(outer) || !naiveIsValidTopicFilter(inner)) return false;
  const o = outer.split('/');
  const i = inner.split('/');
  return !someWitness([o, i], (topic) => matchSplit(i, topic) && !matchSplit(o, topic));
}

/** Overlap decided by searching every topic that could be matched by both filters. */
export function bruteForceFiltersOverlap(a: string, b: string): boolean {
  if (!naiveIsValidTopicFilter(a) || !naiveIsValidTopicFilter(b)) return false;
  const x = a.split('/');
  const y = b.split('/');
  return someWitness([x, y], (topic) => matchSplit(x, topic) && matchSplit(y, topic));
}

function appliesTo(rule: AclRule, principal: Principal): boolean {
  const { subject } = rule;
  if ('role' in subject) return subject.role === principal.role;
  return subject.principal.kind === principal.kind && subject.principal.id === principal.id;
}

function isUsableIdentity(value: string): boolean {
  return value !== '' && !/[+#/]/.test(value) && !hasNul(value) && !LONE_SURROGATE.test(value);
}

type Resolved = { kind: 'unbound' } | { kind: 'unusable' } | { kind: 'filter'; filter: string };

function resolve(topic: string, principal: Principal): Resolved {
  // null: the placeholder means nothing for this kind of principal.
  const values: Record<string, string | null> = {
    deviceId: principal.kind === 'device' ? principal.id : null,
    username: principal.kind === 'device' ? null : (principal.username ?? ''),
  };
  const used = [...topic.matchAll(PLACEHOLDER)].map((match) => values[match[1] ?? ''] ?? null);
  if (used.some((value) => value === null)) return { kind: 'unbound' };
  if (used.some((value) => value !== null && !isUsableIdentity(value))) return { kind: 'unusable' };
  const filter = topic.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
  return { kind: 'filter', filter };
}

export interface FilterRelations {
  contains(outer: string, inner: string): boolean;
  overlaps(a: string, b: string): boolean;
}

const recursiveRelations: FilterRelations = {
  contains: naiveFilterContains,
  overlaps: naiveFiltersOverlap,
};

function authorize(
  rules: readonly AclRule[],
  relations: FilterRelations,
  principal: Principal,
  action: Action,
  request: string,
): boolean {
  const publish = action === 'publish';
  if (!(publish ? naiveIsValidTopicName(request) : naiveIsValidTopicFilter(request))) return false;
  const resolved: { rule: AclRule; filter: string }[] = [];
  for (const rule of rules) {
    if (rule.action !== action || !appliesTo(rule, principal)) continue;
    const result = resolve(rule.topic, principal);
    if (result.kind === 'unusable') return false;
    if (result.kind === 'filter') resolved.push({ rule, filter: result.filter });
  }
  const denies = ({ filter }: { filter: string }): boolean =>
    publish ? naiveMatches(filter, request) : relations.overlaps(filter, request);
  const allows = ({ filter }: { filter: string }): boolean =>
    publish ? naiveMatches(filter, request) : relations.contains(filter, request);
  if (resolved.some((entry) => entry.rule.effect === 'deny' && denies(entry))) return false;
  return resolved.some((entry) => entry.rule.effect === 'allow' && allows(entry));
}

export interface NaiveAcl {
  readonly authorizePublish: (principal: Principal, topic: string) => boolean;
  readonly authorizeSubscribe: (principal: Principal, filter: string) => boolean;
}

/** Scans every rule on every call. `relations` swaps in brute-force containment for tests. */
export function createNaiveAcl(
  rules: readonly AclRule[],
  relations: FilterRelations = recursiveRelations,
): NaiveAcl {
  return {
    authorizePublish: (principal, topic) =>
      authorize(rules, relations, principal, 'publish', topic),
    authorizeSubscribe: (principal, filter) =>
      authorize(rules, relations, principal, 'subscribe', filter),
  };
}
