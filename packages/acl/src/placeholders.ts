import type { Principal } from './rules.ts';
import { hasLoneSurrogate, quote } from './topic-text.ts';

export const PLACEHOLDERS = ['deviceId', 'username'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];

/** Bit per placeholder, so a rule's set of placeholders is a number in 0..3. */
export const PLACEHOLDER_BIT: Readonly<Record<PlaceholderName, number>> = {
  deviceId: 1,
  username: 2,
};

/**
 * One level of a rule's topic that contains placeholders: its text is each part's prefix followed
 * by the part's placeholder value, then `tail`. `dev-{deviceId}` is [{ 'dev-', deviceId }] + ''.
 */
export interface LevelTemplate {
  readonly source: string;
  readonly parts: readonly { readonly prefix: string; readonly slot: PlaceholderName }[];
  readonly tail: string;
  readonly mask: number;
}

export type TemplateResult =
  | { ok: true; levels: readonly (string | LevelTemplate)[]; mask: number }
  | { ok: false; problem: string };

const TOKEN = /\{([^{}]*)\}/g;

function isPlaceholderName(name: string): name is PlaceholderName {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

type ParsedLevel = { level: string | LevelTemplate; problem?: never } | { problem: string };

function parseLevel(level: string): ParsedLevel {
  const parts: { prefix: string; slot: PlaceholderName }[] = [];
  let mask = 0;
  let last = 0;
  for (const match of level.matchAll(TOKEN)) {
    const name = match[1] ?? '';
    if (!isPlaceholderName(name)) {
      return {
        problem: `uses unknown placeholder ${quote(`{${name}}`)}; known placeholders are {deviceId} and {username}`,
      };
    }
    parts.push({ prefix: level.slice(last, match.index), slot: name });
    mask |= PLACEHOLDER_BIT[name];
    last = match.index + match[0].length;
  }
  const tail = level.slice(last);
  const texts = [...parts.map((part) => part.prefix), tail];
  if (texts.some((text) => text.includes('{') || text.includes('}'))) {
    return {
      problem:
        "uses '{' or '}' outside a placeholder; braces are reserved for {deviceId} and {username}",
    };
  }
  return { level: parts.length === 0 ? level : { source: level, parts, tail, mask } };
}

/** Splits a rule topic into levels, each a literal/wildcard string or a placeholder template. */
export function parseTopicTemplate(topic: string): TemplateResult {
  const levels: (string | LevelTemplate)[] = [];
  let mask = 0;
  for (const text of topic.split('/')) {
    const parsed = parseLevel(text);
    if (parsed.problem !== undefined) return { ok: false, problem: parsed.problem };
    levels.push(parsed.level);
    if (typeof parsed.level !== 'string') mask |= parsed.level.mask;
  }
  return { ok: true, levels, mask };
}

export function renderLevel(
  level: LevelTemplate,
  value: (name: PlaceholderName) => string,
): string {
  return level.parts.map((part) => part.prefix + value(part.slot)).join('') + level.tail;
}

/** Why an identity value cannot be substituted into a topic, or null when it can. */
export function identityProblem(value: string | undefined): string | null {
  if (value === undefined) return 'is missing';
  if (value === '') return 'is empty';
  let wildcard = false;
  let separator = false;
  let nul = false;
  let surrogates = false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    wildcard ||= code === 0x2b || code === 0x23;
    separator ||= code === 0x2f;
    nul ||= code === 0x00;
    surrogates ||= (code & 0xf800) === 0xd800;
  }
  // '+' and '#' would widen the rule's filter; '/' would add levels to it.
  if (wildcard) return 'contains wildcard characters';
  if (separator) return "contains the level separator '/'";
  if (nul) return 'contains a NUL character';
  return surrogates && hasLoneSurrogate(value) ? 'contains an unpaired UTF-16 surrogate' : null;
}

/**
 * The values a principal gives to placeholders. `{deviceId}` is bound only for devices (to
 * `id`), `{username}` only for users and services (to `username`). A rule using an unbound
 * placeholder does not apply to the principal; a bound but unusable value refuses the request.
 */
export interface Bindings {
  readonly deviceId: string | null;
  readonly username: string | null;
  /** Placeholder bits bound for this principal. */
  readonly bound: number;
  /** Placeholder bits bound but unusable (wildcards, '/', NUL, empty, missing). */
  readonly unusable: number;
}

export const NO_BINDINGS: Bindings = { deviceId: null, username: null, bound: 0, unusable: 0 };

export function bindPrincipal(principal: Principal): Bindings {
  if (principal.kind === 'device') {
    const usable = identityProblem(principal.id) === null;
    return {
      deviceId: usable ? principal.id : null,
      username: null,
      bound: PLACEHOLDER_BIT.deviceId,
      unusable: usable ? 0 : PLACEHOLDER_BIT.deviceId,
    };
  }
  const username = principal.username;
  const usable = identityProblem(username) === null;
  return {
    deviceId: null,
    username: usable ? (username ?? null) : null,
    bound: PLACEHOLDER_BIT.username,
    unusable: usable ? 0 : PLACEHOLDER_BIT.username,
  };
}

/** The raw identity text behind a placeholder, for explanations. */
export function identityValue(principal: Principal, name: PlaceholderName): string | undefined {
  return name === 'deviceId' ? principal.id : principal.username;
}

/** A rule with placeholder bits `mask` applies only when all of them are bound. */
export function isBound(mask: number, bindings: Bindings): boolean {
  return (mask & ~bindings.bound) === 0;
}

export function placeholderValue(bindings: Bindings, name: PlaceholderName): string | null {
  return name === 'deviceId' ? bindings.deviceId : bindings.username;
}

/** The rule's filter levels with every (bound, usable) placeholder replaced literally. */
export function resolveLevels(
  levels: readonly (string | LevelTemplate)[],
  bindings: Bindings,
): string[] {
  return levels.map((level) =>
    typeof level === 'string'
      ? level
      : renderLevel(level, (name) => placeholderValue(bindings, name) ?? ''),
  );
}
