// Retained messages through the API: browse by filter with publisher, size and age, remove
// one from the broker's store; a real broker on the same database holds them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/with-broker.ts';

interface RetainedView {
  topic: string;
  brokerId: string;
  publisher: { kind: string; id: string; username: string | null };
  qos: number;
  payloadBytes: number;
  publishedAt: string;
}
interface Page {
  items: RetainedView[];
  nextCursor: string | null;
}

let stack: Stack;
let operator: string;
let viewer: string;
beforeAll(async () => {
  stack = await startStack();
  operator = await stack.tokenFor('operator');
  viewer = await stack.tokenFor('viewer');
});
afterAll(() => stack.close());

const call = (method: 'GET' | 'DELETE', url: string, token = operator) =>
  stack.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
const list = async (filter: string, extra = '') =>
  (await call('GET', `/retained?filter=${encodeURIComponent(filter)}${extra}`)).json<Page>();

describe('retained messages', () => {
  it('lists a device’s status (the broker’s) and what the device retained, with size and age, and removes one', async () => {
    const { deviceId, secret } = await stack.provision('retained-api');
    const device = await stack.mqttDevice(deviceId, secret);
    const ackTopic = `devices/${deviceId}/commands/c1/ack`;
    const ack = JSON.stringify({ id: 'c1', ok: true });
    await device.publishAsync(ackTopic, ack, { qos: 1, retain: true });

    await expect
      .poll(async () => (await list(`devices/${deviceId}/#`)).items.map((item) => item.topic))
      .toEqual([ackTopic, `devices/${deviceId}/status`]);
    const [deviceAck, status] = (await list(`devices/${deviceId}/#`)).items;
    expect(deviceAck).toEqual({
      topic: ackTopic,
      brokerId: stack.broker.aedes.id,
      publisher: { kind: 'device', id: deviceId, username: null },
      qos: 1,
      payloadBytes: Buffer.byteLength(ack),
      publishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
    });
    expect(status?.publisher).toEqual({
      kind: 'broker',
      id: stack.broker.aedes.id,
      username: null,
    });

    const removed = await call('DELETE', `/retained?topic=${encodeURIComponent(ackTopic)}`);
    expect(removed.statusCode).toBe(204);
    expect((await list(`devices/${deviceId}/#`)).items.map((item) => item.topic)).toEqual([
      `devices/${deviceId}/status`,
    ]);
    // Gone from the broker's store: a new subscriber is sent the status only.
    const watcher = await stack.mqttService();
    const seen: string[] = [];
    watcher.on('message', (topic) => seen.push(topic));
    await watcher.subscribeAsync(`devices/${deviceId}/#`, { qos: 1 });
    await device.publishAsync(`devices/${deviceId}/commands/c2/ack`, ack, { qos: 1 });
    await expect.poll(() => seen.includes(`devices/${deviceId}/commands/c2/ack`)).toBe(true);
    expect(seen).not.toContain(ackTopic);
    expect(seen).toContain(`devices/${deviceId}/status`);

    const again = await call('DELETE', `/retained?topic=${encodeURIComponent(ackTopic)}`);
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ code: 'TWW_NOT_FOUND' });
  });

  it('pages in topic order and refuses a bad filter, wildcards in a topic and viewers', async () => {
    // With the first test's device: four statuses, two pages of two.
    const ids = await Promise.all([1, 2, 3].map(() => stack.provision()));
    await Promise.all(ids.map(({ deviceId, secret }) => stack.mqttDevice(deviceId, secret)));
    const prefix = 'devices/+/status';
    await expect
      .poll(async () => (await list(prefix, '&limit=500')).items.length)
      .toBeGreaterThanOrEqual(4);
    const all = (await list(prefix, '&limit=500')).items.map((item) => item.topic);
    const first = await list(prefix, '&limit=2');
    const second = await list(prefix, `&limit=2&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((item) => item.topic)).toEqual(all.slice(0, 4));

    const badFilter = await call('GET', `/retained?filter=${encodeURIComponent('a/#/b')}`);
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json<{ message: string }>().message).toContain('not an MQTT topic filter');
    const wildcard = await call(
      'DELETE',
      `/retained?topic=${encodeURIComponent('devices/+/status')}`,
    );
    expect(wildcard.statusCode).toBe(400);
    expect((await call('GET', '/retained', viewer)).statusCode).toBe(403);
    expect((await call('GET', '/retained?unknown=1')).statusCode).toBe(400);
  });
});
