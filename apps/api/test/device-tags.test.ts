// Devices carry tags: set on create or by PATCH (with a rename or new metadata), filtered by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

interface Device {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  tags: string[];
}

let api: TestApi;
let operator: string;
let viewer: string;
beforeAll(async () => {
  api = await buildTestApi();
  ({ operator, viewer } = await api.roleTokens());
});
afterAll(() => api.close());

const ids = async (query: string) =>
  (await api.call('GET', `/devices?${query}`, viewer))
    .json<{ items: Device[] }>()
    .items.map((device) => device.id);

describe('device tags', () => {
  it('are set on create, replaced with a rename and new metadata, and filter the list', async () => {
    const created = await api.call('POST', '/devices', operator, {
      id: 'tagged-1',
      name: 'Pump',
      tags: ['plant-a', 'pumps'],
    });
    expect(created.json<Device>().tags).toEqual(['plant-a', 'pumps']);
    await api.call('POST', '/devices', operator, {
      id: 'tagged-2',
      name: 'Valve',
      tags: ['plant-a'],
    });
    await api.call('POST', '/devices', operator, { id: 'untagged', name: 'Other' });

    expect(await ids('tag=plant-a')).toEqual(['tagged-1', 'tagged-2']);
    expect(await ids('tag=plant-a,pumps')).toEqual(['tagged-1']);
    expect(await ids('tag=nowhere')).toEqual([]);

    const edited = await api.call('PATCH', '/devices/tagged-2', operator, {
      name: 'Valve 2',
      metadata: { units: { flow: 'l/min' } },
      tags: ['plant-b', 'valves'],
    });
    expect(edited.json<Device>()).toMatchObject({
      name: 'Valve 2',
      metadata: { units: { flow: 'l/min' } },
      tags: ['plant-b', 'valves'],
    });
    expect(await ids('tag=plant-a')).toEqual(['tagged-1']);
    expect((await api.call('GET', '/devices/untagged', viewer)).json<Device>().tags).toEqual([]);
  });

  it('refuses a malformed tag, a repeated tag and a malformed filter, naming the field', async () => {
    const bad = async (tags: unknown) =>
      (await api.call('PATCH', '/devices/tagged-1', operator, { tags })).json<{
        message: string;
      }>().message;
    expect(await bad(['has space'])).toMatch(/^body\/tags\/0: must match pattern/);
    expect(await bad(['a', 'a'])).toMatch(/^body\/tags: must NOT have duplicate items/);
    const filter = await api.call('GET', '/devices?tag=a,,b', viewer);
    expect(filter.statusCode).toBe(400);
    expect(filter.json<{ message: string }>().message).toMatch(/^querystring\/tag: must match/);
  });
});
