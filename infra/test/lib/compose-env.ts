/**
 * Compose's variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `$$`), so the compose file can be checked as compose
 * would see it without the docker CLI.
 */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`required variable ${variable} is missing a value: ${detail}`);
  }
}

const pattern = /\$(?:(\$)|\{(\w+)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}|(\w+))/g;

function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(
    pattern,
    (
      _match,
      dollar?: string,
      braced?: string,
      operator?: string,
      operand?: string,
      bare?: string,
    ): string => {
      if (dollar) return '$';
      const name = braced ?? bare ?? '';
      const current = env[name];
      const unset = operator?.startsWith(':') ? !current : current === undefined;
      if (operator === ':-' || operator === '-')
        return unset ? interpolate(operand ?? '', env) : (current ?? '');
      if ((operator === ':?' || operator === '?') && unset)
        throw new MissingVariableError(name, operand ?? '');
      return current ?? '';
    },
  );
}

/** Interpolates every string in a parsed compose document. */
export function interpolateDeep<T>(node: T, env: Readonly<Record<string, string | undefined>>): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((item: unknown) => interpolateDeep(item, env)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, env)]),
    ) as T;
  }
  return node;
}

/** Names of the variables a string requires (`${VAR:?…}` / `${VAR?…}`). */
export function requiredVariables(value: string): string[] {
  return [...value.matchAll(pattern)]
    .filter((match) => match[3]?.endsWith('?'))
    .map((match) => match[2] ?? '');
}
