// Webhooks in Chromium, every action through the UI and each result checked through the API:
// add a destination (its signing secret shown once, and it is the one that signs), edit its URL
// and events, see a failing receiver's delivery log and dead letter, re-send it, disable it,
// delete it. The receiver is a real HTTP server on loopback that the test makes fail.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };
const DEVICE = 'webhook-boiler';
const NAME = 'ops-receiver';

interface Received {
  path: string;
  eventId: string;
  type: string;
  attempt: string;
  /** The Twinwire-Signature header checked with the secret the UI showed. */
  signedWithShownSecret: boolean;
}

/** A loopback receiver that answers 500 while `failing`, else 204, and records every request. */
class Receiver {
  failing = false;
  secret = '';
  readonly received: Received[] = [];
  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = String(request.headers['twinwire-signature'] ?? '');
      const parts = new Map(
        header.split(',').map((part) => part.split('=', 2) as [string, string | undefined]),
      );
      const expected = createHmac('sha256', this.secret)
        .update(`${parts.get('t') ?? ''}.${body}`)
        .digest('hex');
      const event = JSON.parse(body) as { id: string; type: string };
      this.received.push({
        path: request.url ?? '',
        eventId: event.id,
        type: event.type,
        attempt: String(request.headers['twinwire-delivery-attempt']),
        signedWithShownSecret: parts.get('v1') === expected,
      });
      response.writeHead(this.failing ? 500 : 204).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface WebhookView {
  id: string;
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
}

describe.skipIf(!browserAvailable)('webhooks in Chromium', () => {
  let harness: Harness;
  let receiverUrl = '';
  let secret = '';
  const receiver = new Receiver();
  const page = () => harness.page;
  const row = () => page().locator(`tr[data-webhook="${NAME}"]`);
  const webhooks = async () =>
    (await harness.api<{ items: WebhookView[] }>('GET', '/webhooks')).body.items;
  const deadLetters = async (destinationId: string) =>
    (
      await harness.api<{ items: { outboxId: number; eventId: string; attempts: number }[] }>(
        'GET',
        `/webhooks/dead-letters?destinationId=${destinationId}`,
      )
    ).body.items;

  beforeAll(async () => {
    receiverUrl = await receiver.start();
    harness = await startHarness({
      apiEnv: {
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        WEBHOOK_POLL_MS: '50',
        WEBHOOK_RETRY_BASE_MS: '50',
        WEBHOOK_RETRY_MAX_MS: '200',
        WEBHOOK_MAX_ATTEMPTS: '2',
      },
    });
    ({ secret } = await harness.provision(DEVICE, { name: 'Boiler' }));
    await harness.api('POST', '/alarm-rules', {
      name: 'Boiler too hot',
      deviceId: DEVICE,
      metric: 'temp',
      condition: { op: '>', value: 80 },
      severity: 'critical',
      message: '{device}: {metric} is {value}',
    });
    await signIn(harness);
  });
  afterAll(async () => {
    await harness.close();
    await receiver.stop();
  });

  it('adds a destination, refusing a bad URL in the browser first, and shows its secret once', async () => {
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Webhooks' })
      .click();
    await page().getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor(wait);
    const form = page().getByRole('form', { name: 'New webhook destination' });
    await form.getByLabel('Name').fill(NAME);
    await form.getByLabel('URL').fill('ftp://127.0.0.1/hook');
    await form.getByRole('button', { name: 'Add destination' }).click();
    await form.getByRole('alert').getByText('Use an http or https URL.').waitFor(wait);
    expect(await webhooks()).toEqual([]);

    await form.getByLabel('URL').fill(`${receiverUrl}/v1`);
    await form.getByRole('button', { name: 'Add destination' }).click();
    const secret = page().getByTestId('webhook-secret');
    await secret.waitFor(wait);
    receiver.secret = (await secret.textContent()) ?? '';
    expect(receiver.secret).toMatch(/^whsec_/);
    await harness.screenshot('45-webhook-secret');
    await page().getByRole('button', { name: 'I have stored the secret' }).click();
    await expect.poll(() => secret.count(), wait).toBe(0);
    await row().waitFor(wait);
    expect(await webhooks()).toMatchObject([
      {
        name: NAME,
        url: `${receiverUrl}/v1`,
        events: ['alarm.raised', 'alarm.cleared'],
        enabled: true,
      },
    ]);
  });

  it('edits the URL and the events', async () => {
    await row().getByRole('button', { name: 'Edit' }).click();
    const form = page().getByRole('form', { name: `Edit webhook ${NAME}` });
    await form.getByLabel('URL').fill(`${receiverUrl}/v2`);
    await form.getByLabel('alarm acknowledged').check();
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.count(), wait).toBe(0);
    expect(await webhooks()).toMatchObject([
      {
        url: `${receiverUrl}/v2`,
        events: ['alarm.raised', 'alarm.acknowledged', 'alarm.cleared'],
      },
    ]);
    await row().getByText(`${receiverUrl}/v2`).waitFor(wait);
  });

  it('shows a failing receiver’s attempts and dead letter, and re-sends it from the UI', async () => {
    const [webhook] = await webhooks();
    const destinationId = webhook?.id ?? '';
    receiver.failing = true;
    const device = await mqtt.connectAsync(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      reconnectPeriod: 0,
    });
    await device.publishAsync(
      `devices/${DEVICE}/telemetry`,
      JSON.stringify({ ts: Date.now(), seq: 1, metrics: { temp: 95 } }),
      { qos: 1 },
    );
    await device.endAsync();
    await expect.poll(() => deadLetters(destinationId), wait).toHaveLength(1);
    const [dead] = await deadLetters(destinationId);
    expect(dead?.attempts).toBe(2);

    await row().getByRole('button', { name: 'Activity' }).click();
    const activity = page().getByRole('region', { name: `Activity of ${NAME}` });
    const letter = activity.locator(`tr[data-dead-letter="${dead?.outboxId}"]`);
    await letter.getByText('HTTP 500').waitFor(wait);
    const attempts = activity.locator(`tr[data-event="${dead?.eventId}"]`);
    await expect.poll(() => attempts.count(), wait).toBe(2);
    await harness.screenshot('46-webhook-dead-letter');

    receiver.failing = false;
    await letter.getByRole('button', { name: 'Re-send' }).click();
    await activity.getByText(`Event ${dead?.outboxId} is queued again.`).waitFor(wait);
    await expect
      .poll(
        () =>
          receiver.received.filter(
            (entry) => entry.eventId === dead?.eventId && entry.attempt === '1',
          ).length,
        wait,
      )
      .toBe(2);
    await expect.poll(() => deadLetters(destinationId), wait).toEqual([]);
    await expect.poll(() => letter.count(), wait).toBe(0);
    await expect.poll(() => attempts.count(), wait).toBe(3);
    const sent = receiver.received.filter((entry) => entry.eventId === dead?.eventId);
    expect(sent.map((entry) => entry.type)).toEqual([
      'alarm.raised',
      'alarm.raised',
      'alarm.raised',
    ]);
    expect(sent.every((entry) => entry.path === '/v2' && entry.signedWithShownSecret)).toBe(true);
  });

  it('disables and enables the destination', async () => {
    await row().getByRole('button', { name: 'Disable' }).click();
    await expect.poll(async () => (await webhooks())[0]?.enabled, wait).toBe(false);
    await row().getByText('disabled').waitFor(wait);
    await row().getByRole('button', { name: 'Enable' }).click();
    await expect.poll(async () => (await webhooks())[0]?.enabled, wait).toBe(true);
    await row().getByText('enabled').waitFor(wait);
  });

  it('deletes the destination', async () => {
    await row().getByRole('button', { name: 'Delete' }).click();
    await row()
      .getByRole('button', { name: `Delete the destination ${NAME}` })
      .click();
    await expect.poll(() => row().count(), wait).toBe(0);
    expect(await webhooks()).toEqual([]);
    await page().getByText('No destination yet').waitFor(wait);
    expect(harness.pageErrors).toEqual([]);
  });
});
