// Alarms in Chromium: an operator's rule made in the editor, an alarm it raises when an MQTT
// device's reading crosses it (the header badge counts it, the device's chart marks it),
// acknowledged and cleared from the list, and the rule deleted; each result checked through the
// API.
import mqtt from 'mqtt';
import type { Alarm, AlarmRule } from '@twinwire/schemas/alarms';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };
const DEVICE = 'alarm-boiler';

describe.skipIf(!browserAvailable)('alarms in Chromium', () => {
  let harness: Harness;
  let secret = '';
  const page = () => harness.page;
  const rules = async () =>
    (await harness.api<{ items: AlarmRule[] }>('GET', '/alarm-rules')).body.items;
  const alarms = async () =>
    (await harness.api<{ items: Alarm[] }>('GET', `/alarms?deviceId=${DEVICE}`)).body.items;

  beforeAll(async () => {
    harness = await startHarness();
    ({ secret } = await harness.provision(DEVICE, { name: 'Boiler' }));
    await signIn(harness);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('creates a rule in the editor, refusing an incomplete one first', async () => {
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Alarm rules' })
      .click();
    await page().getByRole('heading', { level: 1, name: 'Alarm rules' }).waitFor(wait);
    const form = page().getByRole('form', { name: 'New alarm rule' });
    await form.getByLabel('Name').fill('Boiler too hot');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await form.getByRole('alert').getByText('Name the metric.').waitFor(wait);
    await form.getByLabel('Devices').selectOption('device');
    await form.getByLabel('Device id').fill(DEVICE);
    await form.getByLabel('Metric').fill('temp');
    await form.getByLabel('Value').fill('80');
    await form.getByLabel('Severity').selectOption('critical');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page().locator('tr[data-rule="Boiler too hot"]').waitFor(wait);
    expect(await rules()).toMatchObject([
      {
        name: 'Boiler too hot',
        deviceId: DEVICE,
        metric: 'temp',
        condition: { op: '>', value: 80 },
      },
    ]);
  });

  it('shows a raised alarm in the header badge and the list; acknowledges and clears it', async () => {
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
    expect((await alarms()).map((alarm) => alarm.state)).toEqual(['raised']);

    // The device's chart marks it: a band drawn on the canvas, keyed by the legend under it.
    await page().goto(`${harness.site.origin}/#/devices/${DEVICE}`);
    await page().locator('figure[data-chart="live"] canvas').first().waitFor(wait);
    const marked = page()
      .getByRole('list', { name: 'Alarms in this range' })
      .locator(`li[data-alarm="${(await alarms())[0]?.id}"]`);
    await marked.waitFor(wait);
    expect(await marked.getAttribute('data-severity')).toBe('critical');
    expect(await marked.textContent()).toContain('Boiler too hot');
    expect(await marked.textContent()).toMatch(/→ open$/);
    await harness.screenshot('41-alarm-on-device-chart');
    // And on a long range's aggregated chart.
    await page().getByLabel('Time range').selectOption('1h');
    await page().locator('figure[data-chart="buckets"] canvas').first().waitFor(wait);
    await marked.waitFor(wait);
    expect(await marked.getAttribute('data-state')).toBe('raised');

    const badge = page().getByRole('link', { name: '1 open alarm' });
    await badge.waitFor(wait);
    await badge.click();
    await page().getByRole('heading', { level: 1, name: 'Alarms' }).waitFor(wait);
    const row = page().locator(`tr[data-device="${DEVICE}"]`);
    await row.getByText(`${DEVICE}: temp is 95`).waitFor(wait);
    await harness.screenshot('40-alarms');

    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(async () => (await alarms())[0]?.state, wait).toBe('acknowledged');
    expect((await alarms())[0]?.acknowledgedBy).toBe('admin');
    await row.getByText('by admin').waitFor(wait);

    await row.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(async () => (await alarms())[0]?.state, wait).toBe('cleared');
    await expect.poll(() => row.count(), wait).toBe(0);
    await expect.poll(() => badge.count(), wait).toBe(0);
  });

  it('deletes the rule; its alarm stays in the history', async () => {
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Alarm rules' })
      .click();
    const row = page().locator('tr[data-rule="Boiler too hot"]');
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Delete the alarm rule Boiler too hot' }).click();
    await expect.poll(() => row.count(), wait).toBe(0);
    expect(await rules()).toEqual([]);
    expect(await alarms()).toMatchObject([{ state: 'cleared', ruleId: null }]);
    expect(harness.pageErrors).toEqual([]);
  });
});
