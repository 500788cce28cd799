// The Retained page in Chromium: a device's retained message and its status are listed with
// publisher and size, a bad filter is refused in the browser, and removing one works through
// the UI (checked through the API).
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };
const DEVICE = 'retained-lamp';
const ACK_TOPIC = `devices/${DEVICE}/commands/c1/ack`;
const STATUS_TOPIC = `devices/${DEVICE}/status`;

interface RetainedPage {
  items: { topic: string; publisher: { kind: string; id: string } }[];
}

describe.skipIf(!browserAvailable)('the Retained page in Chromium', () => {
  let harness: Harness;
  let secret = '';
  const page = () => harness.page;
  const row = (topic: string) => page().locator(`tr[data-topic="${topic}"]`);
  const listed = async () =>
    (
      await harness.api<RetainedPage>(
        'GET',
        `/retained?filter=${encodeURIComponent(`devices/${DEVICE}/#`)}`,
      )
    ).body.items.map((item) => item.topic);

  beforeAll(async () => {
    harness = await startHarness();
    ({ secret } = await harness.provision(DEVICE, { name: 'Lamp' }));
    await signIn(harness);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('lists retained messages under a filter with their publisher and size, and refuses a bad filter', async () => {
    const device = await mqtt.connectAsync(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      reconnectPeriod: 0,
    });
    await device.publishAsync(ACK_TOPIC, JSON.stringify({ id: 'c1', ok: true }), {
      qos: 1,
      retain: true,
    });
    await expect.poll(listed, wait).toEqual([ACK_TOPIC, STATUS_TOPIC]);
    await device.endAsync();
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Retained' })
      .click();
    await page().getByRole('heading', { level: 1, name: 'Retained messages' }).waitFor(wait);
    const filter = page().getByLabel('Topic filter');
    await filter.fill('devices/#/status');
    await page().getByRole('alert').getByText("'#' must be a whole level").waitFor(wait);
    expect(await page().getByRole('button', { name: 'Show' }).isDisabled()).toBe(true);

    await filter.fill(`devices/${DEVICE}/#`);
    await page().getByRole('button', { name: 'Show' }).click();
    await row(ACK_TOPIC).waitFor(wait);
    const ack = (await row(ACK_TOPIC).textContent()) ?? '';
    expect(ack).toContain(`device ${DEVICE}`);
    expect(ack).toContain(`${Buffer.byteLength(JSON.stringify({ id: 'c1', ok: true }))} B`);
    expect((await row(STATUS_TOPIC).textContent()) ?? '').toContain('the broker');
    await harness.screenshot('35-retained');
  });

  it('removes one retained message: gone from the list and from the API', async () => {
    await row(ACK_TOPIC).getByRole('button', { name: 'Remove' }).click();
    await row(ACK_TOPIC)
      .getByRole('button', { name: `Remove the retained message on ${ACK_TOPIC}` })
      .click();
    await expect.poll(() => row(ACK_TOPIC).count(), wait).toBe(0);
    expect(await listed()).toEqual([STATUS_TOPIC]);
    expect(await row(STATUS_TOPIC).count()).toBe(1);
    expect(harness.pageErrors).toEqual([]);
  });
});
