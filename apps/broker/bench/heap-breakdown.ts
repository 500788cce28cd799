/**
 * Where a broker's heap goes per connection: two V8 heap snapshots of the same broker, at
 * two connection counts, grouped by what V8 calls each object (its constructor for JS
 * objects, `(string)`, `(closure) name`, `(array)`, …), and the difference divided by the
 * connections between them. The objects a connection adds show up as the categories that
 * grow by about one (or a few) per connection.
 */
import { readFile } from 'node:fs/promises';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Total self size and count per category. */
export type HeapCensus = Map<string, { bytes: number; count: number }>;

export async function readHeapCensus(path: string): Promise<HeapCensus> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as HeapSnapshot;
  const fields = parsed.snapshot.meta.node_fields;
  const types = parsed.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census: HeapCensus = new Map();
  const { nodes, strings } = parsed;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    const name = strings[nodes[i + nameAt]!]!;
    const category = categoryOf(type, name);
    const entry = census.get(category) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i + sizeAt]!;
    entry.count += 1;
    census.set(category, entry);
  }
  return census;
}

function categoryOf(type: string, name: string): string {
  switch (type) {
    case 'object':
      return name;
    case 'closure':
      return `(closure) ${name || 'anonymous'}`;
    case 'string':
    case 'concatenated string':
    case 'sliced string':
      return '(string)';
    case 'code':
      return '(compiled code)';
    case 'hidden':
    case 'object shape':
      return `(${type}) ${name.replace(/\d+/g, '#')}`;
    default:
      return `(${type})`;
  }
}

export interface PerConnection {
  category: string;
  bytes: number;
  objects: number;
}

/** The categories that grew between two censuses, largest first, per connection added. */
export function perConnection(
  before: HeapCensus,
  after: HeapCensus,
  connections: number,
): PerConnection[] {
  const grown: PerConnection[] = [];
  for (const [category, now] of after) {
    const then = before.get(category) ?? { bytes: 0, count: 0 };
    const bytes = (now.bytes - then.bytes) / connections;
    if (bytes <= 0) continue;
    grown.push({ category, bytes, objects: (now.count - then.count) / connections });
  }
  return grown.sort((a, b) => b.bytes - a.bytes);
}
