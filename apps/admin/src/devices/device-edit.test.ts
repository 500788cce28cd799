import { describe, expect, it } from 'vitest';
import { parseDeviceEdit, tagsOf } from './device-edit.ts';

describe('parseDeviceEdit', () => {
  it('turns the form into a PATCH body: trimmed name, unique tags, the metadata object', () => {
    expect(
      parseDeviceEdit({
        name: '  Pump 7 ',
        tags: 'plant-a, pumps  plant-a',
        metadata: '{"units": {"power_w": "W"}}',
      }),
    ).toEqual({
      ok: true,
      body: { name: 'Pump 7', tags: ['plant-a', 'pumps'], metadata: { units: { power_w: 'W' } } },
    });
  });

  it('names the field and the problem of a bad edit', () => {
    expect(parseDeviceEdit({ name: ' ', tags: '', metadata: '{}' })).toMatchObject({
      ok: false,
      field: 'name',
    });
    expect(parseDeviceEdit({ name: 'x', tags: 'ok bad#tag', metadata: '{}' })).toMatchObject({
      ok: false,
      field: 'tags',
      problem: expect.stringContaining('“bad#tag”') as string,
    });
    expect(parseDeviceEdit({ name: 'x', tags: '', metadata: '{"a":' })).toMatchObject({
      ok: false,
      field: 'metadata',
    });
    expect(parseDeviceEdit({ name: 'x', tags: '', metadata: '[1]' })).toMatchObject({
      ok: false,
      field: 'metadata',
    });
  });

  it('reads tags separated by spaces or commas', () => {
    expect(tagsOf(' a,b  c,,a ')).toEqual(['a', 'b', 'c']);
  });
});
