/** One ajv error as fastify hands it over (ajv runs with `verbose`, so schemas are attached). */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string | undefined;
  params: Record<string, unknown>;
  schema?: unknown;
  parentSchema?: unknown;
}

/** Where the issue is: `body`, `querystring`, `params` or `headers`. */
type Part = string;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const hasDescription = (schema: unknown): schema is { description: string } =>
  isRecord(schema) && typeof schema.description === 'string';

/** "a, b, c" from allowed values, each as JSON would show it (strings unquoted). */
function listValues(values: readonly unknown[]): string {
  return values
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join(', ');
}

/** The branches of an `anyOf` when every one of them is a single constant. */
function constantBranches(schema: unknown): unknown[] | undefined {
  if (!Array.isArray(schema) || schema.length === 0) return undefined;
  const values: unknown[] = [];
  for (const branch of schema) {
    if (!isRecord(branch) || !('const' in branch)) return undefined;
    values.push(branch.const);
  }
  return values;
}

/** The JSON types an `anyOf` accepts when every branch names one ("string or null"). */
function branchTypes(schema: unknown): string[] | undefined {
  if (!Array.isArray(schema)) return undefined;
  const types: string[] = [];
  for (const branch of schema) {
    if (!isRecord(branch) || typeof branch.type !== 'string') return undefined;
    types.push(branch.type);
  }
  return types;
}

function unknownParameter(part: Part, issue: ValidationIssue, field: string): string {
  const name = String(issue.params.additionalProperty);
  const base = `${field}: unknown parameter "${name}"`;
  // Query strings are typed by hand (?limt=10): name what this route does accept.
  if (part !== 'querystring') return base;
  const properties = isRecord(issue.parentSchema) ? issue.parentSchema.properties : undefined;
  const accepted = isRecord(properties) ? Object.keys(properties) : [];
  return accepted.length === 0
    ? `${base}; this route takes no query parameters`
    : `${base}; this route accepts ${accepted.join(', ')}`;
}

/**
 * ajv's errors as one sentence per field, naming it (`body/role`, `querystring/limit`). A
 * union of constants, which ajv reports as one "must be equal to constant" per branch and
 * then "must match a schema in anyOf", reads "must be one of: admin, operator, viewer", once.
 */
export function validationMessage(part: Part, issues: readonly ValidationIssue[]): string {
  const anyOfPaths = new Set(
    issues.filter((issue) => issue.keyword === 'anyOf').map((issue) => issue.instancePath),
  );
  const sentences: string[] = [];
  for (const issue of issues) {
    const field = `${part}${issue.instancePath}`;
    // A branch of a failed anyOf: the anyOf issue itself says it all.
    if (issue.keyword !== 'anyOf' && anyOfPaths.has(issue.instancePath)) continue;
    let sentence: string;
    if (issue.keyword === 'additionalProperties') sentence = unknownParameter(part, issue, field);
    else if (issue.keyword === 'enum' && Array.isArray(issue.params.allowedValues))
      sentence = `${field}: must be one of: ${listValues(issue.params.allowedValues)}`;
    else if (issue.keyword === 'pattern' && hasDescription(issue.parentSchema))
      // "must match pattern "^[^/+#…]+$"" alone leaves the caller decoding a regex.
      sentence = `${field}: ${issue.message ?? 'is invalid'} (${issue.parentSchema.description})`;
    else if (issue.keyword === 'const')
      sentence = `${field}: must be ${listValues([issue.params.allowedValue])}`;
    else if (issue.keyword === 'anyOf') {
      const constants = constantBranches(issue.schema);
      const types = branchTypes(issue.schema);
      sentence = constants
        ? `${field}: must be one of: ${listValues(constants)}`
        : types
          ? `${field}: must be ${types.join(' or ')}`
          : `${field}: ${issue.message ?? 'is invalid'}`;
    } else sentence = `${field}: ${issue.message ?? 'is invalid'}`;
    if (!sentences.includes(sentence)) sentences.push(sentence);
  }
  return sentences.join('; ');
}
