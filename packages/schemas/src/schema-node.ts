/** A JSON Schema node read as plain data (TypeBox schemas are plain JSON Schema objects). */
export type Node = Readonly<Record<string, unknown>>;

export const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const numberAt = (node: Node, key: string): number | undefined =>
  typeof node[key] === 'number' ? node[key] : undefined;
export const nodeAt = (node: Node, key: string): Node | undefined =>
  isNode(node[key]) ? node[key] : undefined;
export const nodesAt = (node: Node, key: string): Node[] | undefined =>
  Array.isArray(node[key]) ? (node[key] as unknown[]).filter(isNode) : undefined;
