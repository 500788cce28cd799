import { commandAckTopic, deviceCommandsFilter } from '@twinwire/schemas/topics';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './helpers/with-broker.ts';

let stack: Stack;
let operator: string;
beforeAll(async () => {
  stack = await startStack();
  operator = await stack.tokenFor('operator');
});
afterAll(() => stack.close());

const send = (deviceId: string, name: string, body: unknown, token = operator) =>
  stack.app.inject({
    method: 'POST',
    url: `/api/v1/devices/${deviceId}/commands/${name}`,
    headers: { authorization: `Bearer ${token}` },
    payload: body as Record<string, unknown>,
  });

/** An MQTT device that records its commands and, when `answer` is set, acks them. */
async function mqttDevice(answer?: (command: { id: string; args: unknown }) => unknown) {
  const { deviceId, secret } = await stack.provision();
  const client: MqttClient = await stack.mqttDevice(deviceId, secret);
  const received: { topic: string; command: { id: string; args: unknown } }[] = [];
  client.on('message', (topic, payload) => {
    const command = JSON.parse(payload.toString('utf8')) as { id: string; args: unknown };
    received.push({ topic, command });
    const name = topic.split('/')[3] ?? '';
    if (answer)
      void client.publishAsync(commandAckTopic(deviceId, name), JSON.stringify(answer(command)), {
        qos: 1,
      });
  });
  await client.subscribeAsync(deviceCommandsFilter(deviceId), { qos: 1 });
  return { deviceId, received };
}

describe('POST /api/v1/devices/:id/commands/:name', () => {
  it('needs a token and the operator role', async () => {
    const { deviceId } = await stack.provision();
    const anonymous = await stack.app.inject({
      method: 'POST',
      url: `/api/v1/devices/${deviceId}/commands/reboot`,
      payload: {},
    });
    expect(anonymous.statusCode).toBe(401);
    const viewer = await send(deviceId, 'reboot', {}, await stack.tokenFor('viewer'));
    expect(viewer.statusCode).toBe(403);
  });

  it('answers 404 for an unknown device and 400 for a bad wait', async () => {
    const missing = await send('no-such-device', 'reboot', {});
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'TWW_NOT_FOUND' });
    const { deviceId } = await stack.provision();
    expect((await send(deviceId, 'reboot', { waitMs: 30_001 })).statusCode).toBe(400);
  });

  it('sends a command with no arguments when the body is empty', async () => {
    const { deviceId, received } = await mqttDevice();
    expect((await send(deviceId, 'ping', {})).statusCode).toBe(202);
    await expect.poll(() => received[0]?.command.args).toEqual({});
  });

  it('publishes the command and answers 202 with its id when not waiting', async () => {
    const { deviceId, received } = await mqttDevice();
    const response = await send(deviceId, 'reboot', { args: { delayS: 3 } });
    expect(response.statusCode).toBe(202);
    const { id } = response.json<{ id: string }>();
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toEqual({
      topic: `devices/${deviceId}/commands/reboot`,
      command: { id, args: { delayS: 3 } },
    });
  });

  it('waits for the device’s ack and returns it (MQTT device round trip)', async () => {
    const { deviceId } = await mqttDevice((command) => ({
      id: command.id,
      ok: true,
      result: { echoed: command.args },
    }));
    const response = await send(deviceId, 'echo', { args: { n: 1 }, waitMs: 10_000 });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ id: string; ack: unknown }>();
    expect(body.ack).toEqual({ id: body.id, ok: true, result: { echoed: { n: 1 } } });
  });

  it('ignores acks of other commands and answers 504 when the device stays silent', async () => {
    const { deviceId, received } = await mqttDevice(() => ({ id: 'some-other-command', ok: true }));
    const response = await send(deviceId, 'reboot', { waitMs: 500 });
    expect(response.statusCode).toBe(504);
    expect(response.json()).toMatchObject({
      code: 'TWW_COMMAND_TIMEOUT',
      message: expect.stringMatching(/did not acknowledge command reboot/) as string,
    });
    expect(received).toHaveLength(1);
  });
});
