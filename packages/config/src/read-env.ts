import type { Static, TObject, TProperties } from 'typebox';
import { Value } from 'typebox/value';

export class ConfigError extends Error {
  readonly code = 'TWW_CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * Reads the variables named by the schema's keys from `env`, turns the strings into the
 * schema's types, fills defaults, and either returns the typed config or throws a
 * ConfigError naming every bad variable with what it expected and what it got.
 * Blank values count as unset.
 */
export function readEnv<T extends TProperties>(
  schema: TObject<T>,
  env: Readonly<Record<string, string | undefined>>,
): Static<TObject<T>> {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = env[name]?.trim();
    if (value) raw[name] = value;
  }
  const converted = Value.Convert(schema, Value.Default(schema, raw));
  if (Value.Check(schema, converted)) return converted;
  const problems = Value.Errors(schema, converted).map((error) => {
    const name = error.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    const got = name in raw ? `"${String(raw[name])}"` : 'nothing';
    const described = descriptionOf(schema, name);
    return `${name || '(environment)'}: ${error.message}, got ${got}${described ? ` (${described})` : ''}`;
  });
  throw new ConfigError([...new Set(problems)]);
}

function descriptionOf(schema: TObject, name: string): string | undefined {
  const property: unknown = schema.properties[name];
  if (typeof property !== 'object' || property === null || !('description' in property))
    return undefined;
  return typeof property.description === 'string' ? property.description : undefined;
}

/** Rows for a configuration reference: variable, default, description. */
export function describeEnv(
  schema: TObject,
): { name: string; default: string; description: string }[] {
  return Object.entries(schema.properties).map(([name, property]) => {
    const { default: fallback, description } = property as {
      default?: unknown;
      description?: string;
    };
    return {
      name,
      default: fallback === undefined ? '' : JSON.stringify(fallback).replace(/^"|"$/g, ''),
      description: description ?? '',
    };
  });
}
