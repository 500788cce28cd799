import { setTimeout as sleep } from 'node:timers/promises';
import { telemetryTopic } from '@twinwire/schemas/topics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_ORIGIN,
  closed,
  FrameLog,
  reading,
  startStack,
  type Stack,
} from './helpers/with-broker.ts';

let stack: Stack;
let slowClosures = 0;
beforeAll(async () => {
  stack = await startStack({
    live: {
      slowConsumer: {
        dropAboveBytes: 64 * 1024,
        closeAboveBytes: 1024 * 1024,
        maxCongestedMs: 1_000,
        checkIntervalMs: 50,
      },
      onSlowConsumerClosed: () => {
        slowClosures += 1;
      },
    },
  });
});
afterAll(() => stack.close());

const live = (token: string) => `/ws/live?access_token=${encodeURIComponent(token)}`;
const isMessage = (topic: string) => (frame: Record<string, unknown>) =>
  frame.type === 'message' && frame.topic === topic;
const seqsOf = (frame: Record<string, unknown>): number[] => {
  const payload = frame.payload as { seq?: number; points?: { seq: number }[] };
  return payload.points ? payload.points.map((point) => point.seq) : [payload.seq ?? -1];
};

async function dashboard(role: 'viewer' | 'operator' | 'admin' = 'viewer') {
  const socket = await stack.openWs(live(await stack.tokenFor(role)));
  return { socket, frames: new FrameLog(socket) };
}

describe('/ws/live upgrade', () => {
  it('refuses a missing or invalid token with 401 before the 101', async () => {
    expect(await stack.upgradeStatus('/ws/live')).toBe(401);
    expect(await stack.upgradeStatus('/ws/live?access_token=not-a-token')).toBe(401);
  });

  it('refuses an Origin that is not allowed with 403 and accepts an allowed one', async () => {
    const token = await stack.tokenFor('viewer');
    expect(await stack.upgradeStatus(live(token), { origin: 'https://evil.example' })).toBe(403);
    expect(await stack.upgradeStatus(live(token), { origin: ALLOWED_ORIGIN })).toBe(101);
  });
});

describe('/ws/live subscriptions', () => {
  it('refuses a filter the ACL denies the role with an error frame and keeps the connection', async () => {
    const { socket, frames } = await dashboard('viewer');
    socket.send(JSON.stringify({ type: 'subscribe', id: 's1', filter: 'devices/#' }));
    expect(await frames.next((frame) => frame.id === 's1')).toMatchObject({
      type: 'error',
      id: 's1',
      code: 'TWW_ACL_DENIED',
    });
    socket.send(JSON.stringify({ type: 'subscribe', id: 's2', filter: 'devices/+/telemetry' }));
    expect(await frames.next((frame) => frame.id === 's2')).toEqual({
      type: 'subscribed',
      id: 's2',
      filter: 'devices/+/telemetry',
    });
  });

  it('answers invalid JSON and invalid frames with error frames and stays open', async () => {
    const { socket, frames } = await dashboard();
    socket.send('{not json');
    expect(await frames.next((frame) => frame.type === 'error')).toMatchObject({
      code: 'TWW_INVALID_JSON',
    });
    socket.send(JSON.stringify({ type: 'subscribe', id: 'bad' }));
    expect(await frames.next((frame) => frame.id === 'bad')).toMatchObject({
      type: 'error',
      code: 'TWW_INVALID_PAYLOAD',
    });
    socket.send(
      JSON.stringify({ type: 'subscribe', id: 'wild', filter: 'devices/+/telemetry', history: {} }),
    );
    expect(await frames.next((frame) => frame.id === 'wild')).toMatchObject({
      type: 'error',
      code: 'TWW_HISTORY_UNSUPPORTED',
    });
    socket.send(JSON.stringify({ type: 'unsubscribe', id: 'u1', filter: 'devices/+/status' }));
    expect(await frames.next((frame) => frame.id === 'u1')).toEqual({ type: 'ack', id: 'u1' });
    expect(socket.readyState).toBe(socket.OPEN);
  });

  it('closes a connection sending a frame over the size limit with 1009', async () => {
    const { socket } = await dashboard();
    const done = closed(socket);
    socket.send('x'.repeat(70 * 1024));
    expect((await done).code).toBe(1009);
  });

  it('streams a reading a device publishes over MQTT', async () => {
    const { deviceId, secret } = await stack.provision();
    const { socket, frames } = await dashboard();
    const topic = telemetryTopic(deviceId);
    socket.send(JSON.stringify({ type: 'subscribe', id: 'live', filter: topic }));
    await frames.next((frame) => frame.type === 'subscribed');
    const device = await stack.mqttDevice(deviceId, secret);
    const sent = reading(7, { temp: 21.5 });
    await device.publishAsync(topic, JSON.stringify(sent), { qos: 1 });
    expect(await frames.next(isMessage(topic))).toMatchObject({ topic, payload: sent });
  });

  it('sends history then live with no gap and no duplicate at the seam', async () => {
    const { deviceId, secret } = await stack.provision();
    const topic = telemetryTopic(deviceId);
    const device = await stack.mqttDevice(deviceId, secret);
    const stored = 40;
    const total = 240;
    for (let seq = 0; seq < stored; seq += 1)
      await device.publishAsync(topic, JSON.stringify(reading(seq)), { qos: 1 });

    const { socket, frames } = await dashboard();
    // Publish continuously while the dashboard subscribes: the seam falls somewhere inside.
    const publishing = (async () => {
      for (let seq = stored; seq < total; seq += 1)
        await device.publishAsync(topic, JSON.stringify(reading(seq)), { qos: 1 });
    })();
    await sleep(30);
    socket.send(
      JSON.stringify({ type: 'subscribe', id: 'seam', filter: topic, history: { limit: 1000 } }),
    );
    await publishing;
    // A sentinel published last: once it arrives, any duplicate would have arrived before it.
    await device.publishAsync(topic, JSON.stringify(reading(total)), { qos: 1 });
    await frames.next((frame) => isMessage(topic)(frame) && seqsOf(frame).includes(total));

    const messages = frames.frames.filter(isMessage(topic));
    const seqs = messages.flatMap(seqsOf);
    expect(seqs.length).toBe(total + 1);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: total + 1 }, (_, i) => i));
    const subscribedAt = frames.frames.findIndex((frame) => frame.type === 'subscribed');
    const history = frames.frames.slice(0, subscribedAt).filter(isMessage(topic));
    expect(history.length).toBeGreaterThanOrEqual(stored);
  });

  it('drops, then closes with 1013, a dashboard that stops reading without delaying a fast one', async () => {
    const topic = telemetryTopic(`slow-${Date.now().toString()}`);
    const fast = await dashboard('admin');
    const slow = await dashboard('admin');
    for (const { socket, frames } of [fast, slow]) {
      socket.send(JSON.stringify({ type: 'subscribe', id: 'x', filter: topic }));
      await frames.next((frame) => frame.type === 'subscribed');
    }
    const slowClosed = closed(slow.socket);
    slow.socket.pause();
    const before = slowClosures;
    // The service principal's publishes are routed but not stored: pure fan-out load.
    const service = await stack.mqttService();
    const big = Object.fromEntries(
      Array.from({ length: 32 }, (_, i) => [`m${i.toString()}`, 'v'.repeat(250)]),
    );
    let published = 0;
    for (let round = 0; round < 60 && slowClosures === before; round += 1) {
      await Promise.all(
        Array.from({ length: 200 }, () =>
          service.publishAsync(topic, JSON.stringify(reading(published++, big)), { qos: 0 }),
        ),
      );
      // The fast dashboard keeps up with every round while the slow one is stuck.
      await fast.frames.count(isMessage(topic), published);
    }
    await expect.poll(() => slowClosures, { timeout: 10_000 }).toBeGreaterThan(before);
    const fastSeqs = fast.frames.frames.filter(isMessage(topic)).flatMap(seqsOf);
    expect(fastSeqs).toEqual(Array.from({ length: published }, (_, i) => i));

    slow.socket.resume();
    const { code, reason } = await slowClosed;
    expect(code).toBe(1013);
    expect(reason).toMatch(/too slow/);
    expect(slow.frames.frames.filter(isMessage(topic)).length).toBeLessThan(published);
    expect(fast.socket.readyState).toBe(fast.socket.OPEN);
  });
});
