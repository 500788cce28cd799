import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createUser } from '@twinwire/db/users';
import type { Alarm, AlarmEvent, AlarmRule } from '@twinwire/schemas/alarms';
import { alarmsTopic, telemetryTopic } from '@twinwire/schemas/topics';
import { waitUntil } from '@twinwire/testing/wait-until';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '@twinwire/testing/webhook-receiver';
import { FrameLog, startStack, type Stack } from './helpers/with-broker.ts';

let stack: Stack;
let tokens: { admin: string; operator: string; viewer: string };
beforeAll(async () => {
  stack = await startStack({
    env: { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_MS: '50' },
  });
  tokens = {
    admin: await stack.tokenFor('admin'),
    operator: await stack.tokenFor('operator'),
    viewer: await stack.tokenFor('viewer'),
  };
});
afterAll(() => stack.close());

const call = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  token: string,
  payload?: object,
) =>
  stack.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

const hotRule = (deviceId: string) => ({
  name: `hot ${deviceId}`,
  deviceId,
  metric: 'temp',
  condition: { op: '>', value: 50 },
  severity: 'critical',
  message: '{device} is at {value}',
});

/**
 * Publishes a reading of `temp` now and every 200 ms until stopped. The broker learns of a
 * rule created a moment ago by NOTIFY: a reading it commits before then meets no rule, so a
 * test that raised an alarm with a single reading would race that notification.
 */
function keepPublishing(device: MqttClient, deviceId: string, temp: number): () => void {
  let seq = 0;
  const publish = () =>
    device.publishAsync(
      telemetryTopic(deviceId),
      JSON.stringify({ ts: Date.now(), seq: (seq += 1), metrics: { temp } }),
      { qos: 1 },
    );
  void publish();
  const timer = setInterval(() => void publish(), 200);
  return () => {
    clearInterval(timer);
  };
}

async function openAlarms(deviceId: string): Promise<Alarm[]> {
  const response = await call('GET', `/alarms?state=open&deviceId=${deviceId}`, tokens.viewer);
  return response.json<{ items: Alarm[] }>().items;
}

describe('alarm rules over REST', () => {
  it('lets operators write rules, viewers only read them, and names what is wrong in a bad rule', async () => {
    const { deviceId } = await stack.provision();
    expect((await call('POST', '/alarm-rules', tokens.viewer, hotRule(deviceId))).statusCode).toBe(
      403,
    );
    const created = await call('POST', '/alarm-rules', tokens.operator, hotRule(deviceId));
    expect(created.statusCode).toBe(201);
    const rule = created.json<AlarmRule>();
    expect(rule).toMatchObject({ deviceId, raiseAfterS: 0, clearAfterS: 0, enabled: true });
    const listed = await call('GET', '/alarm-rules', tokens.viewer);
    expect(listed.json<{ items: AlarmRule[] }>().items.map((item) => item.id)).toContain(rule.id);

    const replaced = await call('PUT', `/alarm-rules/${rule.id}`, tokens.admin, {
      ...hotRule(deviceId),
      condition: { op: 'between', low: 1, high: 2 },
      raiseAfterS: 30,
    });
    expect(replaced.json<AlarmRule>()).toMatchObject({
      condition: { op: 'between', low: 1, high: 2 },
      raiseAfterS: 30,
    });

    const bad = [
      [{ ...hotRule(deviceId), metric: undefined }, 'body/metric'],
      [{ ...hotRule(deviceId), tag: 'hall' }, 'not both'],
      [{ ...hotRule('no-such-device') }, "no device 'no-such-device'"],
      [{ ...hotRule(deviceId), condition: { op: 'outside', low: 5, high: 1 } }, 'low'],
      [{ ...hotRule(deviceId), condition: { op: '>', value: 'x' } }, 'must be a number'],
    ] as const;
    for (const [body, says] of bad) {
      const response = await call('POST', '/alarm-rules', tokens.operator, body);
      expect(response.statusCode).toBe(400);
      expect(response.json<{ message: string }>().message).toContain(says);
    }
    expect((await call('DELETE', `/alarm-rules/${rule.id}`, tokens.operator)).statusCode).toBe(204);
    expect((await call('GET', `/alarm-rules/${rule.id}`, tokens.viewer)).statusCode).toBe(404);
  });
});

describe('alarms raised by either transport', () => {
  it('an MQTT device raises an alarm, published on alarms/{deviceId}; acknowledge and clear are the operator’s', async () => {
    const { deviceId, secret } = await stack.provision();
    await call('POST', '/alarm-rules', tokens.operator, hotRule(deviceId));
    const username = `watcher-${randomBytes(3).toString('hex')}`;
    await createUser(stack.database.db, { username, password: 'watcher-password', role: 'viewer' });
    const watcher = await stack.mqtt({
      username,
      password: 'watcher-password',
      protocolVersion: 5,
    });
    const events: AlarmEvent[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === alarmsTopic(deviceId))
        events.push(JSON.parse(payload.toString()) as AlarmEvent);
    });
    await watcher.subscribeAsync('alarms/+', { qos: 1 });

    const device = await stack.mqttDevice(deviceId, secret);
    const stop = keepPublishing(device, deviceId, 90);
    const [alarm] = await waitUntil(
      'the alarm raised',
      async () => {
        const open = await openAlarms(deviceId);
        return open.length > 0 ? open : undefined;
      },
      { intervalMs: 100 },
    ).finally(stop);
    expect(alarm).toMatchObject({ deviceId, state: 'raised', message: `${deviceId} is at 90` });
    await expect.poll(() => events.map((event) => event.type)).toEqual(['alarm.raised']);

    const url = `/alarms/${alarm!.id}`;
    expect((await call('POST', `${url}/acknowledge`, tokens.viewer)).statusCode).toBe(403);
    const acked = await call('POST', `${url}/acknowledge`, tokens.operator);
    expect(acked.json<Alarm>()).toMatchObject({ state: 'acknowledged' });
    expect(acked.json<Alarm>().acknowledgedBy).toMatch(/^operator-/);
    const count = await call('GET', '/alarms/open-count', tokens.viewer);
    expect(count.json<{ open: number }>().open).toBeGreaterThanOrEqual(1);
    const cleared = await call('POST', `${url}/clear`, tokens.operator);
    expect(cleared.json<Alarm>()).toMatchObject({ state: 'cleared' });
    expect(await openAlarms(deviceId)).toEqual([]);
    await expect
      .poll(() => events.map((event) => event.type))
      .toEqual(['alarm.raised', 'alarm.acknowledged', 'alarm.cleared']);
    expect(
      (await call('POST', `/alarms/${crypto.randomUUID()}/clear`, tokens.admin)).statusCode,
    ).toBe(404);
  });

  it('mosquitto_sub -V mqttv5, as a viewer, hears alarms/+ under the default ACL', async () => {
    const { deviceId, secret } = await stack.provision();
    await call('POST', '/alarm-rules', tokens.operator, hotRule(deviceId));
    const username = `mosq-${randomBytes(3).toString('hex')}`;
    await createUser(stack.database.db, {
      username,
      password: 'mosquitto-password',
      role: 'viewer',
    });
    const sub = spawn(
      'stdbuf',
      [
        ...['-oL', 'mosquitto_sub', '-V', 'mqttv5', '-h', '127.0.0.1'],
        ...['-p', String(stack.broker.addresses.mqtt), '-u', username, '-P', 'mosquitto-password'],
        ...['-t', 'alarms/+', '-q', '1', '-C', '1', '-W', '20', '-d', '-F', 'ALARM %t %p'],
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
      const alarm = new Promise<string>((resolve) => {
        lines.on('line', (line) => {
          if (line.startsWith('ALARM ')) resolve(line.slice('ALARM '.length));
        });
      });
      await subscribed;
      const device = await stack.mqttDevice(deviceId, secret);
      await device.publishAsync(
        telemetryTopic(deviceId),
        JSON.stringify({ ts: Date.now(), seq: 1, metrics: { temp: 88 } }),
        { qos: 1 },
      );
      const line = await alarm;
      const [topic, ...payload] = line.split(' ');
      expect(topic).toBe(alarmsTopic(deviceId));
      expect(JSON.parse(payload.join(' '))).toMatchObject({
        type: 'alarm.raised',
        data: { deviceId, value: 88 },
      });
    } finally {
      sub.kill();
    }
  });

  it('a WebSocket device raises through the same rules', async () => {
    const { deviceId, secret } = await stack.provision();
    await call('POST', '/alarm-rules', tokens.operator, hotRule(deviceId));
    const socket = await stack.openWs('/ws/device', {
      headers: {
        authorization: `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`,
      },
    });
    const acked = new Promise<void>((resolve) => {
      socket.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { type: string }).type === 'ack') resolve();
      });
    });
    socket.send(
      JSON.stringify({
        type: 'telemetry',
        id: 't1',
        reading: { ts: Date.now(), seq: 1, metrics: { temp: 77 } },
      }),
    );
    await acked;
    // The ack follows evaluation: the alarm exists by now.
    expect(await openAlarms(deviceId)).toMatchObject([{ deviceId, value: 77 }]);
  });
});

describe('alarms on the live WebSocket', () => {
  it('a dashboard subscribed to alarms/+ is told of a transition as it happens', async () => {
    const { deviceId, secret } = await stack.provision();
    await call('POST', '/alarm-rules', tokens.operator, hotRule(deviceId));
    const socket = await stack.openWs(`/ws/live?access_token=${encodeURIComponent(tokens.viewer)}`);
    const frames = new FrameLog(socket);
    socket.send(JSON.stringify({ type: 'subscribe', id: 'a', filter: 'alarms/+' }));
    expect(await frames.next((frame) => frame.id === 'a')).toMatchObject({ type: 'subscribed' });
    const device = await stack.mqttDevice(deviceId, secret);
    const stop = keepPublishing(device, deviceId, 99);
    const raised = await frames.next((frame) => frame.type === 'message').finally(stop);
    expect(raised).toMatchObject({
      topic: alarmsTopic(deviceId),
      payload: { type: 'alarm.raised', data: { deviceId, state: 'raised', value: 99 } },
    });
  });
});

describe('device presence webhooks', () => {
  it('an MQTT and a WebSocket device going online and offline each send device.online then device.offline', async () => {
    let secret = '';
    const receiver = new WebhookReceiver(() => secret);
    await receiver.start();
    try {
      const created = await call('POST', '/webhooks', tokens.admin, {
        name: 'presence',
        url: receiver.url,
        events: ['device.online', 'device.offline'],
      });
      secret = created.json<{ secret: string }>().secret;
      const mqttDevice = await stack.provision();
      const device = await stack.mqttDevice(mqttDevice.deviceId, mqttDevice.secret);
      const wsDevice = await stack.provision();
      const socket = await stack.openWs('/ws/device', {
        headers: {
          authorization: `Basic ${Buffer.from(`${wsDevice.deviceId}:${wsDevice.secret}`).toString('base64')}`,
        },
      });
      const arrived = (deviceId: string) =>
        receiver.received
          .filter(
            (entry) => 'protocol' in entry.event.data && entry.event.data.deviceId === deviceId,
          )
          .map((entry) => [entry.event.type, (entry.event.data as { protocol: string }).protocol]);
      await expect.poll(() => arrived(mqttDevice.deviceId)).toEqual([['device.online', 'mqtt']]);
      await expect.poll(() => arrived(wsDevice.deviceId)).toEqual([['device.online', 'websocket']]);
      await device.endAsync();
      socket.close();
      await expect
        .poll(() => arrived(mqttDevice.deviceId))
        .toEqual([
          ['device.online', 'mqtt'],
          ['device.offline', 'mqtt'],
        ]);
      await expect
        .poll(() => arrived(wsDevice.deviceId))
        .toEqual([
          ['device.online', 'websocket'],
          ['device.offline', 'websocket'],
        ]);
      expect(receiver.received.every((entry) => entry.signatureValid)).toBe(true);
    } finally {
      await receiver.stop();
    }
  });
});

describe('alarm history', () => {
  it('pages newest first with an opaque cursor and filters by state and severity', async () => {
    const { deviceId } = await stack.provision();
    for (let index = 0; index < 5; index += 1) {
      await stack.database.pool.query(
        `INSERT INTO alarms (rule_name, device_id, severity, state, message, raised_at, cleared_at)
         VALUES ('old', $1, $2, 'cleared', 'm', now() - $3 * interval '1 minute', now())`,
        [deviceId, index % 2 === 0 ? 'warning' : 'info', index],
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/alarms?deviceId=${deviceId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await call('GET', query, tokens.viewer)).json<{
        items: Alarm[];
        nextCursor: string | null;
      }>();
      seen.push(...page.items.map((item) => item.raisedAt));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect([...seen].sort().reverse()).toEqual(seen);
    const warnings = await call(
      'GET',
      `/alarms?deviceId=${deviceId}&severity=warning`,
      tokens.viewer,
    );
    expect(warnings.json<{ items: Alarm[] }>().items).toHaveLength(3);
    const open = await call('GET', `/alarms?deviceId=${deviceId}&state=open`, tokens.viewer);
    expect(open.json<{ items: Alarm[] }>().items).toHaveLength(0);
    // What a chart from 10 min to 150 s ago shows: alarms raised before its end and not cleared
    // before its start (the five above were raised 0–4 minutes ago and cleared now).
    await stack.database.pool.query(
      `INSERT INTO alarms (rule_name, device_id, severity, state, message, raised_at, cleared_at)
       VALUES ('gone', $1, 'info', 'cleared', 'm', now() - interval '1 hour', now() - interval '50 minutes')`,
      [deviceId],
    );
    const activeFrom = new Date(Date.now() - 600_000).toISOString();
    const to = new Date(Date.now() - 150_000).toISOString();
    const overlapping = await call(
      'GET',
      `/alarms?deviceId=${deviceId}&activeFrom=${activeFrom}&to=${to}`,
      tokens.viewer,
    );
    expect(overlapping.json<{ items: Alarm[] }>().items.map((item) => item.ruleName)).toEqual([
      'old',
      'old',
    ]);
    const badCursor = await call('GET', '/alarms?cursor=bm9wZQ', tokens.viewer);
    expect(badCursor.statusCode).toBe(400);
  });
});
