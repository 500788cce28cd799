/**
 * JSON text laid out the way Prettier prints a `.json` file (objects expanded, arrays of
 * primitives on one line when they fit), so generated files pass `prettier --check` as written.
 */
const printWidth = 100;
const indentUnit = '  ';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isPrimitive(value: Json): value is string | number | boolean | null {
  return typeof value !== 'object' || value === null;
}

function write(value: Json, indent: string, column: number, trailer: number): string {
  if (isPrimitive(value)) return JSON.stringify(value);
  const inner = indent + indentUnit;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isPrimitive)) {
      const oneLine = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
      if (column + oneLine.length + trailer <= printWidth) return oneLine;
    }
    const items = value.map(
      (item, i) => inner + write(item, inner, inner.length, i < value.length - 1 ? 1 : 0),
    );
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item], i) => {
    const prefix = `${inner}${JSON.stringify(key)}: `;
    return prefix + write(item, inner, prefix.length, i < entries.length - 1 ? 1 : 0);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** `value` as Prettier-formatted JSON text, ending with a newline. */
export function formatJson(value: unknown): string {
  return `${write(JSON.parse(JSON.stringify(value)) as Json, '', 0, 0)}\n`;
}
