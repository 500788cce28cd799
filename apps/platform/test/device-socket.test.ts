import { setTimeout as sleep } from 'node:timers/promises';
import { deviceCredentials, devices, telemetry } from '@twinwire/db/schema';
import {
  commandAckTopic,
  commandTopic,
  statusTopic,
  telemetryTopic,
} from '@twinwire/schemas/topics';
import { eq } from 'drizzle-orm';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, FrameLog, reading, startStack, type Stack } from './helpers/with-broker.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ deviceSocket: { lastSeenFlushMs: 50 } });
});
afterAll(() => stack.close());

const basic = (deviceId: string, secret: string) =>
  `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`;

async function wsDevice() {
  const { deviceId, secret } = await stack.provision();
  const socket = await stack.openWs('/ws/device', {
    headers: { authorization: basic(deviceId, secret) },
  });
  return { deviceId, secret, socket, frames: new FrameLog(socket) };
}

/** Messages on `filter` as parsed JSON, collected from now on. */
async function collect(client: MqttClient, filter: string) {
  const messages: { topic: string; payload: unknown }[] = [];
  client.on('message', (topic, payload) => {
    messages.push({ topic, payload: JSON.parse(payload.toString('utf8')) });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return messages;
}

const storedRows = (deviceId: string) =>
  stack.database.db.select().from(telemetry).where(eq(telemetry.deviceId, deviceId));

describe('/ws/device upgrade', () => {
  it('refuses missing or wrong credentials with 401 before the 101', async () => {
    const { deviceId, secret } = await stack.provision();
    expect(await stack.upgradeStatus('/ws/device')).toBe(401);
    expect(
      await stack.upgradeStatus('/ws/device', { authorization: basic(deviceId, 'wrong') }),
    ).toBe(401);
    expect(await stack.upgradeStatus(`/ws/device?device_id=${deviceId}&secret=wrong`)).toBe(401);
    expect(
      await stack.upgradeStatus('/ws/device', { authorization: basic(deviceId, secret) }),
    ).toBe(101);
    expect(await stack.upgradeStatus(`/ws/device?device_id=${deviceId}&secret=${secret}`)).toBe(
      101,
    );
  });
});

describe('/ws/device telemetry', () => {
  it('stores a reading once, acks it after commit, and republishes it to MQTT subscribers', async () => {
    const { deviceId, socket, frames } = await wsDevice();
    const subscriber = await stack.mqttService();
    const seen = await collect(subscriber, telemetryTopic(deviceId));
    const brokerCommitted = stack.broker.writer.stats().committed;
    const sent = reading(1, { temp: 20.5 });

    socket.send(JSON.stringify({ type: 'telemetry', id: 't1', reading: sent }));
    expect(await frames.next((frame) => frame.id === 't1')).toEqual({ type: 'ack', id: 't1' });
    // Acked means committed: the row is there the moment the ack arrives.
    expect(await storedRows(deviceId)).toHaveLength(1);

    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual({ topic: telemetryTopic(deviceId), payload: sent });
    // Redelivery is idempotent, and the broker never stores the API's republished copy.
    socket.send(JSON.stringify({ type: 'telemetry', id: 't2', reading: sent }));
    await frames.next((frame) => frame.id === 't2');
    await expect.poll(() => seen.length).toBe(2);
    expect(await storedRows(deviceId)).toHaveLength(1);
    expect(stack.broker.writer.stats().committed).toBe(brokerCommitted);
  });

  it('stores and acks a batch of points as one frame', async () => {
    const { deviceId, socket, frames } = await wsDevice();
    const points = [reading(1), reading(2), reading(3)];
    socket.send(JSON.stringify({ type: 'telemetry', id: 'b1', points }));
    expect(await frames.next((frame) => frame.id === 'b1')).toEqual({ type: 'ack', id: 'b1' });
    expect((await storedRows(deviceId)).map((row) => row.seq).sort()).toEqual([1, 2, 3]);
  });

  it('answers invalid frames with error frames, stores nothing, and stays open', async () => {
    const { deviceId, socket, frames } = await wsDevice();
    socket.send('nope');
    expect(await frames.next((frame) => frame.type === 'error')).toMatchObject({
      code: 'TWW_INVALID_JSON',
    });
    socket.send(
      JSON.stringify({
        type: 'telemetry',
        id: 'bad',
        reading: { ts: Date.now(), seq: 1, metrics: {} },
      }),
    );
    expect(await frames.next((frame) => frame.id === 'bad')).toMatchObject({
      type: 'error',
      id: 'bad',
      code: 'TWW_INVALID_PAYLOAD',
    });
    socket.send(
      JSON.stringify({ type: 'telemetry', id: 'old', reading: { ...reading(2), ts: 1e12 } }),
    );
    expect(await frames.next((frame) => frame.id === 'old')).toMatchObject({
      code: 'TWW_TIMESTAMP_OUT_OF_WINDOW',
    });
    socket.send(JSON.stringify({ type: 'telemetry', id: 'ok', reading: reading(3) }));
    expect(await frames.next((frame) => frame.id === 'ok')).toEqual({ type: 'ack', id: 'ok' });
    expect(await storedRows(deviceId)).toHaveLength(1);
  });

  it('closes a connection sending a frame over the size limit with 1009', async () => {
    const { socket } = await wsDevice();
    const done = closed(socket);
    socket.send('x'.repeat(70 * 1024));
    expect((await done).code).toBe(1009);
  });
});

describe('/ws/device presence and commands', () => {
  it('publishes retained online/offline status and records it on the device', async () => {
    const { deviceId, socket } = await wsDevice();
    const onlineRow = async () =>
      (await stack.database.db.select().from(devices).where(eq(devices.id, deviceId)))[0];
    await expect.poll(async () => (await onlineRow())?.online).toBe(true);
    expect((await onlineRow())?.lastProtocol).toBe('websocket');

    // Retained: a subscriber arriving later still learns the status.
    const late = await stack.mqttService();
    const statuses = await collect(late, statusTopic(deviceId));
    await expect
      .poll(() => statuses.at(-1)?.payload)
      .toMatchObject({
        online: true,
        protocol: 'websocket',
      });
    socket.close();
    await expect
      .poll(() => statuses.at(-1)?.payload)
      .toMatchObject({
        online: false,
        protocol: 'websocket',
      });
    await expect.poll(async () => (await onlineRow())?.online).toBe(false);
  });

  it('delivers commands from the broker and forwards the device’s acks', async () => {
    const { deviceId, frames, socket } = await wsDevice();
    await expect
      .poll(
        async () =>
          (await stack.database.db.select().from(devices).where(eq(devices.id, deviceId)))[0]
            ?.online,
      )
      .toBe(true);
    const operator = await stack.mqttService();
    const acks = await collect(operator, commandAckTopic(deviceId, 'reboot'));
    const command = { id: 'c-1', args: { delayS: 5 } };
    await operator.publishAsync(commandTopic(deviceId, 'reboot'), JSON.stringify(command), {
      qos: 1,
    });
    expect(await frames.next((frame) => frame.type === 'command')).toEqual({
      type: 'command',
      name: 'reboot',
      command,
    });
    const ack = { id: 'c-1', ok: true, result: { rebootingInS: 5 } };
    socket.send(JSON.stringify({ type: 'commandAck', commandName: 'reboot', ack }));
    await expect.poll(() => acks.at(-1)?.payload).toEqual(ack);
  });
});

describe('/ws/device access revoked elsewhere', () => {
  it('closes the socket with 1008 and refuses the same secret at once when the credential is revoked in the database', async () => {
    const { deviceId, secret, socket } = await wsDevice();
    const closing = closed(socket);
    // As another instance (or an operator with psql) would: straight in the database.
    await stack.database.db
      .update(deviceCredentials)
      .set({ revokedAt: new Date() })
      .where(eq(deviceCredentials.deviceId, deviceId));
    const { code, reason } = await closing;
    expect(code).toBe(1008);
    expect(reason).toMatch(/revoked/);
    expect(
      await stack.upgradeStatus('/ws/device', { authorization: basic(deviceId, secret) }),
    ).toBe(401);
  });

  it('closes the socket when the device is deleted, and keeps other devices connected', async () => {
    const doomed = await wsDevice();
    const bystander = await wsDevice();
    const closing = closed(doomed.socket);
    await stack.database.db.delete(devices).where(eq(devices.id, doomed.deviceId));
    expect((await closing).code).toBe(1008);
    bystander.socket.send(
      JSON.stringify({ type: 'telemetry', id: 'still-here', reading: reading(1, { t: 1 }) }),
    );
    expect(await bystander.frames.next((frame) => frame.id === 'still-here')).toEqual({
      type: 'ack',
      id: 'still-here',
    });
  });
});

describe('/ws/device last seen', () => {
  it('moves the device’s last-seen time forward as its frames arrive, not only at connect', async () => {
    const { deviceId, socket, frames } = await wsDevice();
    const lastSeen = async () => {
      const [row] = await stack.database.db
        .select({ lastSeenAt: devices.lastSeenAt })
        .from(devices)
        .where(eq(devices.id, deviceId));
      return row?.lastSeenAt?.getTime() ?? 0;
    };
    await expect.poll(lastSeen).toBeGreaterThan(0);
    const atConnect = await lastSeen();
    await sleep(20);
    socket.send(JSON.stringify({ type: 'telemetry', id: 'seen-1', reading: reading(1, { t: 1 }) }));
    await frames.next((frame) => frame.id === 'seen-1');
    await expect.poll(lastSeen).toBeGreaterThan(atConnect);
  });
});
