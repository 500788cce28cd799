// Every edit, delete, revoke and download the UI offers, done in Chromium against the API on
// another origin (each PATCH and DELETE is a CORS preflight), and checked through the API.
import { readFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startHarness, signIn, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };
const DEVICE = 'edit-meter';

interface Device {
  id: string;
  name: string;
  tags: string[];
  metadata: Record<string, unknown>;
}
interface Rule {
  id: string;
  topic: string;
  description: string | null;
  builtIn: boolean;
}

describe.skipIf(!browserAvailable)('edits, deletes, revokes and downloads in Chromium', () => {
  let harness: Harness;
  const page = () => harness.page;
  const heading = (name: string) => page().getByRole('heading', { level: 1, name });
  const nav = async (name: string) => {
    await page().getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  };

  beforeAll(async () => {
    harness = await startHarness();
    await signIn(harness);
    const { secret } = await harness.provision(DEVICE, { name: 'Meter', tags: ['plant-a'] });
    await harness.api('POST', '/devices', { id: 'edit-other', name: 'Other', tags: ['plant-b'] });
    // A power meter's readings: kWh in the thousands beside a power factor near 1.
    const device = await mqtt.connectAsync(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      reconnectPeriod: 0,
    });
    const start = Date.now() - 90_000;
    for (let i = 0; i < 40; i++) {
      // An outage: nothing between 20 and 60 s.
      const ts = start + (i < 20 ? i * 1000 : 60_000 + (i - 20) * 1000);
      await device.publishAsync(
        `devices/${DEVICE}/telemetry`,
        JSON.stringify({
          ts,
          seq: i,
          metrics: {
            energy_kwh: 5463 + i / 100,
            power_factor: 0.95 + (i % 3) / 100,
            power_w: 900 + i,
          },
        }),
        { qos: 1 },
      );
    }
    await device.endAsync();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('renames a device and edits its tags and metadata, then filters the list by tag', async () => {
    await nav('Devices');
    await page().getByRole('link', { name: DEVICE }).click();
    await heading('Meter').waitFor(wait);
    await page().getByRole('button', { name: 'Edit device' }).click();
    const form = page().getByRole('form', { name: 'Edit device' });
    await form.getByLabel('Name').fill('Meter, hall 2');
    await form.getByLabel('Tags').fill('plant-a meters');
    await form
      .getByLabel('Metadata (JSON object)')
      .fill('{"site": "hall 2", "units": {"power_factor": "ratio"}}');
    await harness.screenshot('20-device-edit');
    await form.getByRole('button', { name: 'Save device' }).click();
    await heading('Meter, hall 2').waitFor(wait);
    const stored = await harness.api<Device>('GET', `/devices/${DEVICE}`);
    expect(stored.body).toMatchObject({
      name: 'Meter, hall 2',
      tags: ['plant-a', 'meters'],
      metadata: { site: 'hall 2', units: { power_factor: 'ratio' } },
    });

    await page().getByTestId('device-tags').getByRole('link', { name: 'meters' }).click();
    await heading('Devices').waitFor(wait);
    await page()
      .getByRole('row', { name: new RegExp(DEVICE) })
      .waitFor(wait);
    expect(
      await page()
        .getByRole('row', { name: /edit-other/ })
        .count(),
    ).toBe(0);
    await page().getByLabel('Tag').fill('plant-b');
    await page().getByLabel('Tag').press('Enter');
    await page()
      .getByRole('row', { name: /edit-other/ })
      .waitFor(wait);
    expect(
      await page()
        .getByRole('row', { name: new RegExp(DEVICE) })
        .count(),
    ).toBe(0);
    await harness.screenshot('21-devices-by-tag');
    await page().getByLabel('Tag').fill('');
    await page().getByLabel('Tag').press('Enter');
  });

  it('keeps a refused device edit in the form with the API’s reason, and checks it in the browser first', async () => {
    await page().getByRole('link', { name: DEVICE }).click();
    await page().getByRole('button', { name: 'Edit device' }).click();
    const form = page().getByRole('form', { name: 'Edit device' });
    await form.getByLabel('Tags').fill('good bad#tag');
    await form.getByText('“bad#tag” is not a tag').waitFor(wait);
    await form.getByLabel('Tags').fill('fine');
    // 64 keys pass the browser's JSON check; the API allows at most 64, so 65 are refused.
    const tooMany = JSON.stringify(
      Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])),
    );
    await form.getByLabel('Metadata (JSON object)').fill(tooMany);
    await form.getByRole('button', { name: 'Save device' }).click();
    await form.getByText('Device not saved').waitFor(wait);
    expect(await form.getByRole('alert').textContent()).toContain('body/metadata');
    await harness.screenshot('22-device-edit-refused');
    // The draft is kept and the form still works: fix it and save.
    expect(await form.getByLabel('Tags').inputValue()).toBe('fine');
    await form.getByLabel('Metadata (JSON object)').fill('{"site": "hall 3"}');
    expect(await form.getByText('Device not saved').count()).toBe(0);
    await form.getByRole('button', { name: 'Save device' }).click();
    await expect
      .poll(async () => (await harness.api<Device>('GET', `/devices/${DEVICE}`)).body.tags, wait)
      .toEqual(['fine']);
  });

  it('draws a panel per unit with the outage as a gap, and downloads the readings as CSV', async () => {
    const panels = page().locator('figure[data-chart=live] .chart-canvas');
    // energy_kwh, power_factor (no unit: a panel of its own) and power_w.
    await expect.poll(() => panels.count(), wait).toBe(3);
    expect(
      await panels.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-unit'))),
    ).toEqual(['kWh', '', 'W']);
    await harness.screenshot('23-device-panels');

    const downloading = page().waitForEvent('download');
    await page().getByRole('button', { name: 'Download readings' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^edit-meter_readings_.*\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('ts,time,seq,energy_kwh,power_factor,power_w');
    expect(lines).toHaveLength(41);
    await page()
      .getByText(/^Saved edit-meter_readings_/)
      .waitFor(wait);
  });

  it('picks a custom range without a premature warning', async () => {
    await page().getByLabel('Time range').selectOption('custom');
    await page().getByLabel('From').waitFor(wait);
    expect(await page().getByLabel('From').inputValue()).not.toBe('');
    expect(await page().getByText('needs a start before its end').count()).toBe(0);
    await page().locator('figure[data-chart=buckets] canvas').first().waitFor(wait);
    await harness.screenshot('24-device-custom-range');
    await page().getByLabel('Time range').selectOption('live-5m');
  });

  it('revokes a credential through the UI', async () => {
    const credentials = page().getByRole('region', { name: 'Credentials' });
    await credentials.getByRole('button', { name: 'Revoke' }).click();
    await credentials.getByRole('button', { name: /^Revoke credential/ }).click();
    await credentials.getByText(/revoked/).waitFor(wait);
    const listed = await harness.api<{ items: { revokedAt: string | null }[] }>(
      'GET',
      `/devices/${DEVICE}/credentials`,
    );
    expect(listed.body.items.every((credential) => credential.revokedAt !== null)).toBe(true);
  });

  it('edits a rule, refuses an invalid filter in the browser, shows a refused edit’s reason, and deletes the rule', async () => {
    await harness.api('POST', '/acl/rules', {
      effect: 'deny',
      action: 'subscribe',
      topic: 'devices/edit-meter/#',
      role: 'viewer',
      description: 'E2E: to edit',
    });
    await nav('Access rules');
    await heading('Access rules').waitFor(wait);
    const row = page().getByRole('row', { name: /E2E: to edit/ });
    await row.getByRole('button', { name: 'Edit' }).click();
    const form = page().getByRole('form', { name: 'Edit rule' });
    await form.getByLabel('Topic filter').fill('devices/#/x');
    await form.getByText("'#' other than as the whole last level").waitFor(wait);
    expect(await form.getByRole('button', { name: 'Save rule' }).isDisabled()).toBe(true);
    await harness.screenshot('25-rule-invalid-filter');

    // A principal id the API refuses (over 256 characters are cut by the input; an empty one
    // after trimming is refused by the API): the form keeps its draft and says why.
    await form.getByLabel('Topic filter').fill('devices/edit-meter/telemetry');
    await form.getByLabel('One principal').check();
    await form.getByLabel('Id').fill('   ');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await form.getByText('Rule not saved').waitFor(wait);
    await harness.screenshot('26-rule-edit-refused');
    expect(await form.getByLabel('Topic filter').inputValue()).toBe('devices/edit-meter/telemetry');
    await form.getByLabel('Everyone with a role').check();
    // The refusal clears when the draft changes, on React's next render: wait for it.
    await expect.poll(() => form.getByText('Rule not saved').count(), wait).toBe(0);
    await form.getByLabel('Description').fill('E2E: edited');
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page().getByRole('cell', { name: 'E2E: edited' }).waitFor(wait);
    const rules = await harness.api<{ items: Rule[] }>('GET', '/acl/rules');
    expect(rules.body.items.find((rule) => rule.description === 'E2E: edited')?.topic).toBe(
      'devices/edit-meter/telemetry',
    );

    const edited = page().getByRole('row', { name: /E2E: edited/ });
    await edited.getByRole('button', { name: 'Delete' }).click();
    await edited.getByRole('button', { name: 'Delete rule' }).click();
    await expect
      .poll(() => page().getByRole('cell', { name: 'E2E: edited' }).count(), wait)
      .toBe(0);
    const after = await harness.api<{ items: Rule[] }>('GET', '/acl/rules');
    expect(after.body.items.some((rule) => rule.description === 'E2E: edited')).toBe(false);
  });

  it('explains as a device after a user without carrying the user’s role over', async () => {
    const explain = page().getByRole('region', { name: 'Explain a decision' });
    await explain.getByLabel('Kind').selectOption('device');
    expect(await explain.getByLabel('Role', { exact: true }).inputValue()).toBe('device');
    expect(await explain.getByLabel('Username (optional)').count()).toBe(0);
    await explain.getByLabel('Device id').fill(DEVICE);
    await explain.getByLabel('Action').selectOption('publish');
    await explain.getByLabel('Topic or filter').fill(`devices/${DEVICE}/telemetry`);
    await explain.getByRole('button', { name: 'Explain' }).click();
    const result = page().getByTestId('explain-result');
    await result.waitFor(wait);
    expect(await result.textContent()).toMatch(/^Allowed/);
    await harness.screenshot('27-explain-device');
    // Changing the question takes the old answer away.
    await explain.getByLabel('Kind').selectOption('user');
    expect(await page().getByTestId('explain-result').count()).toBe(0);
    expect(await explain.getByLabel('Role', { exact: true }).inputValue()).toBe('admin');
  });

  it('deletes a device through the UI', async () => {
    await nav('Devices');
    await page().getByRole('link', { name: 'edit-other' }).click();
    await heading('Other').waitFor(wait);
    await page().getByRole('button', { name: 'Delete device' }).click();
    await page().getByRole('button', { name: 'Delete edit-other and its credentials' }).click();
    await heading('Devices').waitFor(wait);
    expect((await harness.api('GET', '/devices/edit-other')).status).toBe(404);
    expect(harness.pageErrors).toEqual([]);
  });
});
