import type { TSchema } from 'typebox';

export type JsonSchema = { [key: string]: JsonSchemaValue };
type JsonSchemaValue = string | number | boolean | null | JsonSchemaValue[] | JsonSchema;

function copy(value: unknown): JsonSchemaValue {
  if (Array.isArray(value)) return value.map(copy);
  if (typeof value !== 'object' || value === null) return value as JsonSchemaValue;
  const out: JsonSchema = {};
  // Own enumerable string keys only: TypeBox's markers (`~kind`, `~optional`, ...) are
  // non-enumerable today; the `~` filter keeps them out should that ever change.
  for (const [key, entry] of Object.entries(value)) {
    if (!key.startsWith('~') && entry !== undefined) out[key] = copy(entry);
  }
  return out;
}

/** A TypeBox schema as plain JSON Schema (draft-07 keywords only), for OpenAPI and AsyncAPI. */
export function toJsonSchema(schema: TSchema): JsonSchema {
  return copy(schema) as JsonSchema;
}
