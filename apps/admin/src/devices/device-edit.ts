/** The edit form's text, and what it becomes for `PATCH /devices/:id`, or why it cannot. */
export interface DeviceEditFields {
  name: string;
  /** Tags separated by spaces or commas. */
  tags: string;
  /** The metadata object as JSON. */
  metadata: string;
}

const TAG = /^[A-Za-z0-9_.:/-]{1,64}$/;

export function tagsOf(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

export function parseDeviceEdit(
  fields: DeviceEditFields,
):
  | { ok: true; body: { name: string; tags: string[]; metadata: Record<string, unknown> } }
  | { ok: false; field: keyof DeviceEditFields; problem: string } {
  const name = fields.name.trim();
  if (name === '') return { ok: false, field: 'name', problem: 'Give the device a name.' };
  const tags = tagsOf(fields.tags);
  const bad = tags.find((tag) => !TAG.test(tag));
  if (bad !== undefined)
    return {
      ok: false,
      field: 'tags',
      problem: `“${bad}” is not a tag: use 1–64 characters of A–Z a–z 0–9 _ . : / -.`,
    };
  if (tags.length > 32) return { ok: false, field: 'tags', problem: 'At most 32 tags.' };
  let metadata: unknown;
  try {
    metadata = fields.metadata.trim() === '' ? {} : JSON.parse(fields.metadata);
  } catch (error) {
    return {
      ok: false,
      field: 'metadata',
      problem: `Metadata is not valid JSON: ${(error as Error).message}`,
    };
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    return {
      ok: false,
      field: 'metadata',
      problem: 'Metadata must be a JSON object, e.g. {"site": "north"}.',
    };
  return { ok: true, body: { name, tags, metadata: metadata as Record<string, unknown> } };
}
