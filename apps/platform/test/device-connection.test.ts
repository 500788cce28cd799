// A device's current connection in GET /devices and /devices/{id}: MQTT 5.0 or 3.1.1 from the
// brokers' client registry (mqtt_clients), the API's device WebSocket, or null when offline.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/with-broker.ts';

interface DeviceView {
  id: string;
  connection: {
    transport: string;
    protocolVersion: number | null;
    listener: string | null;
  } | null;
}

let stack: Stack;
let viewer: string;
beforeAll(async () => {
  stack = await startStack();
  viewer = await stack.tokenFor('viewer');
});
afterAll(() => stack.close());

const get = (url: string) =>
  stack.app.inject({
    method: 'GET',
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${viewer}` },
  });
const connectionOf = async (deviceId: string) =>
  (await get(`/devices/${deviceId}`)).json<DeviceView>().connection;

async function connect(protocolVersion: 4 | 5): Promise<{ deviceId: string; client: MqttClient }> {
  const { deviceId, secret } = await stack.provision();
  const client = await stack.mqtt({
    clientId: deviceId,
    username: deviceId,
    password: secret,
    protocolVersion,
  });
  return { deviceId, client };
}

describe('a device’s connection', () => {
  it('says MQTT 5.0 or 3.1.1 and the listener, on the device and in the list', async () => {
    const v5 = await connect(5);
    const v3 = await connect(4);
    await expect
      .poll(() => connectionOf(v5.deviceId))
      .toEqual({ transport: 'mqtt', protocolVersion: 5, listener: 'mqtt' });
    await expect
      .poll(() => connectionOf(v3.deviceId))
      .toEqual({ transport: 'mqtt', protocolVersion: 4, listener: 'mqtt' });
    const page = (await get('/devices?limit=200')).json<{ items: DeviceView[] }>();
    const listed = new Map(page.items.map((item) => [item.id, item.connection]));
    expect(listed.get(v5.deviceId)).toMatchObject({ protocolVersion: 5 });
    expect(listed.get(v3.deviceId)).toMatchObject({ protocolVersion: 4 });
  });

  it('is null for a device that never connected and once a device disconnects', async () => {
    const { deviceId: never } = await stack.provision();
    expect(await connectionOf(never)).toBeNull();
    const gone = await connect(5);
    await expect.poll(() => connectionOf(gone.deviceId)).not.toBeNull();
    await gone.client.endAsync();
    await expect.poll(() => connectionOf(gone.deviceId)).toBeNull();
  });

  it('says websocket, without an MQTT version, for a device on the API’s device socket', async () => {
    const { deviceId, secret } = await stack.provision();
    await stack.openWs('/ws/device', {
      headers: {
        authorization: `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`,
      },
    });
    await expect
      .poll(() => connectionOf(deviceId))
      .toEqual({ transport: 'websocket', protocolVersion: null, listener: null });
  });
});
