import { clearRuleAlarm, raiseAlarm } from '@twinwire/alarms/alarm-store';
import { createTelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { TelemetryEvent } from '@twinwire/schemas/alarms';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';
import { WebhookReceiver } from '@twinwire/testing/webhook-receiver';

const fastRetries = {
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '400',
  WEBHOOK_TIMEOUT_MS: '2000',
};

const apis: TestApi[] = [];
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.stop();
  for (const api of apis.splice(0)) await api.close();
});

async function platform(env: Record<string, string> = {}) {
  const api = await buildTestApi({ ...fastRetries, ...env });
  apis.push(api);
  return { api, admin: await api.tokenFor('admin') };
}

async function receiverFor(
  api: TestApi,
  admin: string,
  events = ['alarm.raised', 'alarm.cleared'],
) {
  let secret = '';
  const receiver = new WebhookReceiver(() => secret);
  receivers.push(receiver);
  await receiver.start();
  const created = await api.call('POST', '/webhooks', admin, {
    name: 'ops',
    url: receiver.url,
    events,
  });
  expect(created.statusCode).toBe(201);
  const webhook = created.json<{ id: string; secret: string }>();
  secret = webhook.secret;
  return { receiver, webhookId: webhook.id };
}

/** Devices and one rule, and a way to raise and clear its alarm (each an event). */
async function alarmSource(api: TestApi, deviceIds: string[]) {
  const { pool } = api.database;
  for (const id of deviceIds)
    await pool.query(`INSERT INTO devices (id, name) VALUES ($1, $1)`, [id]);
  const rule = await pool.query<{ id: string }>(
    `INSERT INTO alarm_rules (name, metric, condition, severity, message)
     VALUES ('r', 'temp', '{"op":">","value":1}', 'warning', 'm') RETURNING id`,
  );
  const ruleId = rule.rows[0]?.id ?? '';
  return {
    raise: (deviceId: string) =>
      raiseAlarm(pool, {
        ruleId,
        ruleName: 'r',
        deviceId,
        severity: 'warning',
        message: 'm',
        value: 2,
      }),
    clear: (deviceId: string) => clearRuleAlarm(pool, ruleId, deviceId),
  };
}

/** Every outbox event per device, in the order the events happened. */
async function outboxOrder(api: TestApi): Promise<Map<string, string[]>> {
  const result = await api.database.pool.query<{ device_id: string; event_id: string }>(
    'SELECT device_id, event_id FROM webhook_outbox ORDER BY id',
  );
  const order = new Map<string, string[]>();
  for (const row of result.rows)
    order.set(row.device_id, [...(order.get(row.device_id) ?? []), row.event_id]);
  return order;
}

function firstArrivals(receiver: WebhookReceiver): Map<string, string[]> {
  const order = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const { event } of receiver.received) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const deviceId = 'deviceId' in event.data ? event.data.deviceId : '';
    order.set(deviceId, [...(order.get(deviceId) ?? []), event.id]);
  }
  return order;
}

describe('webhook destinations over REST', () => {
  it('are for admins, refuse addresses the SSRF guard forbids, and show the secret once', async () => {
    const { api, admin } = await platform();
    const operator = await api.tokenFor('operator');
    const body = { name: 'x', url: 'https://hooks.example.com/a', events: ['alarm.raised'] };
    expect((await api.call('POST', '/webhooks', operator, body)).statusCode).toBe(403);
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.8/',
      'gopher://x/',
    ]) {
      const refused = await api.call('POST', '/webhooks', admin, { ...body, url });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<{ message: string }>().message).toContain('body/url');
    }
    const created = await api.call('POST', '/webhooks', admin, body);
    const { id, secret } = created.json<{ id: string; secret: string }>();
    expect(secret).toMatch(/^whsec_/);
    const listed = await api.call('GET', '/webhooks', admin);
    expect(listed.json<{ items: object[] }>().items).toEqual([
      expect.not.objectContaining({ secret: expect.anything() as unknown }),
    ]);
    const patched = await api.call('PATCH', `/webhooks/${id}`, admin, { enabled: false });
    expect(patched.json()).toMatchObject({ enabled: false, pending: 0, dead: 0 });
    expect((await api.call('DELETE', `/webhooks/${id}`, admin)).statusCode).toBe(204);
    expect((await api.call('GET', `/webhooks/${id}`, admin)).statusCode).toBe(404);
  });
});

describe('webhook delivery', () => {
  it('delivers every event at least once, signed, in order per device, across a receiver outage', async () => {
    const { api, admin } = await platform();
    const { receiver } = await receiverFor(api, admin);
    const devices = ['wa', 'wb', 'wc'];
    const source = await alarmSource(api, devices);
    for (const deviceId of devices) await source.raise(deviceId);
    await expect.poll(() => receiver.eventIds().size).toBe(3);

    await receiver.stop();
    for (let round = 0; round < 3; round += 1)
      for (const deviceId of devices) {
        await source.clear(deviceId);
        await source.raise(deviceId);
      }
    // The receiver stays down until attempts have failed.
    await expect
      .poll(async () => {
        const failed = await api.database.pool.query(
          'SELECT 1 FROM webhook_deliveries WHERE error IS NOT NULL',
        );
        return failed.rowCount;
      })
      .toBeGreaterThan(3);
    await receiver.start();

    const expected = await outboxOrder(api);
    await expect.poll(() => receiver.eventIds().size, { timeout: 20_000 }).toBe(21);
    expect(firstArrivals(receiver)).toEqual(expected);
    for (const entry of receiver.received) {
      expect(entry.signatureValid).toBe(true);
      expect(entry.idempotencyKey).toBe(entry.event.id);
    }
    await expect
      .poll(async () => {
        const pending = await api.database.pool.query(
          `SELECT 1 FROM webhook_outbox WHERE status <> 'delivered'`,
        );
        return pending.rowCount;
      })
      .toBe(0);
  });

  it('makes an event a dead letter after the configured attempts, logs each, and re-sends it on request', async () => {
    const { api, admin } = await platform({ WEBHOOK_MAX_ATTEMPTS: '2' });
    const { receiver, webhookId } = await receiverFor(api, admin);
    receiver.status = 500;
    const source = await alarmSource(api, ['dl']);
    const raised = await source.raise('dl');

    await expect
      .poll(
        async () =>
          (await api.call('GET', '/webhooks/dead-letters', admin)).json<{ items: unknown[] }>()
            .items,
      )
      .toHaveLength(1);
    const dead = (await api.call('GET', '/webhooks/dead-letters', admin)).json<{
      items: { outboxId: number; eventId: string; attempts: number; lastError: string }[];
    }>().items[0];
    expect(dead).toMatchObject({ eventId: raised?.id, attempts: 2, lastError: 'HTTP 500' });
    const other = await receiverFor(api, admin);
    const deadOf = async (destinationId: string) =>
      (await api.call('GET', `/webhooks/dead-letters?destinationId=${destinationId}`, admin)).json<{
        items: { eventId: string }[];
      }>().items;
    expect(await deadOf(webhookId)).toMatchObject([{ eventId: raised?.id }]);
    expect(await deadOf(other.webhookId)).toEqual([]);
    const log = await api.call('GET', `/webhooks/${webhookId}/deliveries?limit=1`, admin);
    const firstPage = log.json<{
      items: { attempt: number; statusCode: number }[];
      nextCursor: string;
    }>();
    expect(firstPage.items).toMatchObject([{ attempt: 2, statusCode: 500 }]);
    const secondPage = await api.call(
      'GET',
      `/webhooks/${webhookId}/deliveries?limit=1&cursor=${firstPage.nextCursor}`,
      admin,
    );
    expect(secondPage.json<{ items: unknown[] }>().items).toMatchObject([{ attempt: 1 }]);

    receiver.status = 204;
    const resent = await api.call('POST', `/webhooks/dead-letters/${dead?.outboxId}/resend`, admin);
    expect(resent.statusCode).toBe(204);
    await expect.poll(() => receiver.received.at(-1)?.attempt).toBe('1');
    await expect
      .poll(
        async () =>
          (await api.call('GET', '/webhooks/dead-letters', admin)).json<{ items: unknown[] }>()
            .items,
      )
      .toEqual([]);
    expect(
      (await api.call('POST', `/webhooks/dead-letters/${dead?.outboxId}/resend`, admin)).statusCode,
    ).toBe(404);
  });

  it('sends a telemetry event for each new reading, committed with it: a redelivered reading sends none', async () => {
    const { api, admin } = await platform();
    const { receiver } = await receiverFor(api, admin, ['telemetry']);
    await alarmSource(api, ['ta', 'tb']);
    const writer = createTelemetryWriter({ pool: api.database.pool });
    const readings: {
      deviceId: string;
      ts: number;
      seq: number;
      metrics: Record<string, number | boolean>;
    }[] = [
      { deviceId: 'ta', ts: Date.UTC(2026, 11, 1), seq: 1, metrics: { temp: 1 } },
      { deviceId: 'tb', ts: Date.UTC(2026, 11, 1), seq: 1, metrics: { open: true } },
      { deviceId: 'ta', ts: Date.UTC(2026, 11, 1, 0, 0, 1), seq: 2, metrics: { temp: 2.5 } },
    ];
    await Promise.all(readings.map((reading) => writer.write(reading)));
    await writer.write(readings[0]!);
    await writer.close();
    await expect.poll(() => receiver.eventIds().size).toBe(3);
    const data = receiver.received.map((entry) => (entry.event as TelemetryEvent).data);
    expect(data.filter((reading) => reading.deviceId === 'ta')).toEqual([readings[0], readings[2]]);
    expect(data.filter((reading) => reading.deviceId === 'tb')).toEqual([readings[1]]);
    const queued = await api.database.pool.query('SELECT 1 FROM webhook_outbox');
    expect(queued.rowCount).toBe(3);
  });
});
