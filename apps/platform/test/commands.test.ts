import { execFile, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { commandAckTopic, deviceCommandsFilter } from '@twinwire/schemas/topics';
import type { IPublishPacket, MqttClient } from 'mqtt';
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

/** An MQTT 3.1.1 device that records its commands and, when `answer` is set, acks them. */
async function mqttDevice(answer?: (command: { id: string; args: unknown }) => unknown) {
  const { deviceId, secret } = await stack.provision();
  const client: MqttClient = await stack.mqtt({
    clientId: deviceId,
    username: deviceId,
    password: secret,
    protocolVersion: 4,
  });
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

interface V5Command {
  topic: string;
  command: { id: string; args: unknown };
  properties: IPublishPacket['properties'];
}

/**
 * An MQTT 5.0 device that answers each command as a responder does [MQTT-4.10]: on the
 * command's Response Topic, with its Correlation Data (or with `correlationData` instead).
 */
async function mqtt5Device(correlationData?: (command: V5Command) => Buffer) {
  const { deviceId, secret } = await stack.provision();
  const client = await stack.mqtt({
    clientId: deviceId,
    username: deviceId,
    password: secret,
    protocolVersion: 5,
  });
  const received: V5Command[] = [];
  client.on('message', (topic, payload, packet) => {
    const command = JSON.parse(payload.toString('utf8')) as V5Command['command'];
    const request = { topic, command, properties: packet.properties };
    received.push(request);
    const responseTopic = packet.properties?.responseTopic;
    const echoed = correlationData?.(request) ?? packet.properties?.correlationData;
    if (!responseTopic || !echoed) return;
    const ack = { id: command.id, ok: true, result: { by: 'mqtt5', echoed: command.args } };
    void client.publishAsync(responseTopic, JSON.stringify(ack), {
      qos: 1,
      properties: { correlationData: echoed },
    });
  });
  await client.subscribeAsync(deviceCommandsFilter(deviceId), { qos: 1 });
  return { deviceId, received };
}

describe('commands as MQTT 5.0 requests (request/response, MQTT 5.0 section 4.10)', () => {
  it('carries the ack topic as Response Topic and the command id as Correlation Data', async () => {
    const { deviceId, received } = await mqtt5Device(() => Buffer.from('no answer'));
    const response = await send(deviceId, 'reboot', { args: { delayS: 1 } });
    expect(response.statusCode).toBe(202);
    const { id } = response.json<{ id: string }>();
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]?.command).toEqual({ id, args: { delayS: 1 } });
    expect(received[0]?.properties?.responseTopic).toBe(commandAckTopic(deviceId, 'reboot'));
    expect(received[0]?.properties?.correlationData).toEqual(Buffer.from(id, 'utf8'));
  });

  it('completes the call with the ack a v5 device sends to the response topic with the correlation data', async () => {
    const { deviceId } = await mqtt5Device();
    const response = await send(deviceId, 'echo', { args: { n: 5 }, waitMs: 10_000 });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ id: string; ack: unknown }>();
    expect(body.ack).toEqual({ id: body.id, ok: true, result: { by: 'mqtt5', echoed: { n: 5 } } });
  });

  it('ignores an answer with unknown correlation data, even when its payload names the command', async () => {
    const { deviceId, received } = await mqtt5Device(() => Buffer.from('someone-else'));
    const response = await send(deviceId, 'reboot', { waitMs: 500 });
    expect(response.statusCode).toBe(504);
    expect(response.json()).toMatchObject({ code: 'TWW_COMMAND_TIMEOUT' });
    expect(received).toHaveLength(1);
  });

  it('still completes the call of a v3.1.1 device answering on the ack topic, next to a v5 one', async () => {
    const v3 = await mqttDevice((command) => ({ id: command.id, ok: true, result: 'v3' }));
    const v5 = await mqtt5Device();
    const [fromV3, fromV5] = await Promise.all([
      send(v3.deviceId, 'ping', { waitMs: 10_000 }),
      send(v5.deviceId, 'ping', { waitMs: 10_000 }),
    ]);
    expect(fromV3.statusCode).toBe(200);
    expect(fromV3.json()).toMatchObject({ ack: { ok: true, result: 'v3' } });
    expect(fromV5.statusCode).toBe(200);
    expect(fromV5.json()).toMatchObject({ ack: { ok: true, result: { by: 'mqtt5' } } });
  });
});

function installed(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('commands through several API instances', () => {
  it('each instance gets the ack of its own command, answered on the shared ack topic', async () => {
    // Two replicas send the same command name to one v5 device at once: both wait on
    // devices/{id}/commands/reboot/ack and see both answers; correlation data sorts them.
    const other = await stack.anotherApi();
    const { deviceId, received } = await mqtt5Device();
    const url = `/api/v1/devices/${deviceId}/commands/reboot`;
    const request = (app: typeof stack.app, n: number) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${operator}` },
        payload: { args: { n }, waitMs: 10_000 },
      });
    const [first, second] = await Promise.all([request(stack.app, 1), request(other, 2)]);
    expect(received).toHaveLength(2);
    for (const [response, n] of [
      [first, 1],
      [second, 2],
    ] as const) {
      expect(response.statusCode).toBe(200);
      const body = response.json<{ id: string; ack: { id: string; result: unknown } }>();
      expect(body.ack).toEqual({
        id: body.id,
        ok: true,
        result: { by: 'mqtt5', echoed: { n } },
      });
    }
  });
});

describe.runIf(['mosquitto_sub', 'mosquitto_pub', 'stdbuf'].every(installed))(
  'a command answered by Debian’s mosquitto clients over MQTT 5.0 (-V mqttv5)',
  () => {
    it('gets the response topic and correlation data, and its answer there completes the call', async () => {
      const { deviceId, secret } = await stack.provision();
      const port = String(stack.broker.addresses.mqtt);
      const asDevice = [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-V',
        'mqttv5',
        '-u',
        deviceId,
        '-P',
        secret,
      ];
      const sub = spawn(
        'stdbuf',
        [
          ...['-oL', 'mosquitto_sub', ...asDevice, '-i', deviceId, '-d'],
          ...['-t', deviceCommandsFilter(deviceId), '-q', '1', '-C', '1', '-W', '20'],
          ...['-F', 'REQUEST %R|%D|%p'],
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      try {
        const lines = createInterface({ input: sub.stdout });
        const subscribed = new Promise<void>((resolve) => {
          lines.on('line', (line) => {
            if (line.includes('received SUBACK')) resolve();
          });
        });
        const request = new Promise<string>((resolve) => {
          lines.on('line', (line) => {
            if (line.startsWith('REQUEST ')) resolve(line.slice('REQUEST '.length));
          });
        });
        await subscribed;
        const call = send(deviceId, 'reboot', { args: { delayS: 2 }, waitMs: 15_000 });
        const [responseTopic = '', correlationData = '', payload = ''] = (await request).split('|');
        const command = JSON.parse(payload) as { id: string };
        expect(responseTopic).toBe(commandAckTopic(deviceId, 'reboot'));
        expect(correlationData).toBe(command.id);
        await promisify(execFile)('mosquitto_pub', [
          ...asDevice,
          // The device's own id (the only one it may use): mosquitto_sub has left after -C 1.
          ...['-i', deviceId, '-t', responseTopic, '-q', '1'],
          ...['-D', 'publish', 'correlation-data', correlationData],
          ...['-m', JSON.stringify({ id: command.id, ok: true, result: 'rebooting' })],
        ]);
        const response = await call;
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({
          id: command.id,
          ack: { id: command.id, ok: true, result: 'rebooting' },
        });
      } finally {
        sub.kill('SIGKILL');
      }
    });
  },
);
