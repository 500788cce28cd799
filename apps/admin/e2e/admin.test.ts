import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADMIN, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const DEVICE = 'e2e-pump';
const wait = { timeout: 15_000 };

describe.skipIf(!browserAvailable)(
  'the admin UI in Chromium against the real API and broker',
  () => {
    let harness: Harness;
    let device: MqttClient | undefined;
    let secret = '';
    let seq = 0;

    const page = () => harness.page;
    const heading = (name: string) => page().getByRole('heading', { level: 1, name });
    const nav = async (name: string) => {
      await page().getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
    };
    const publish = async (metrics: Record<string, number>, ts = Date.now()) => {
      if (!device) throw new Error('the device is not connected');
      seq += 1;
      await device.publishAsync(
        `devices/${DEVICE}/telemetry`,
        JSON.stringify({ ts, seq, metrics }),
        { qos: 1 },
      );
    };
    const pointCount = async () =>
      Number(await page().locator('.chart-area').getAttribute('data-point-count'));

    beforeAll(async () => {
      harness = await startHarness();
    });

    afterAll(async () => {
      await device?.endAsync();
      await harness.close();
    });

    it('refuses a wrong password with the reason, then signs in to the overview', async () => {
      await page().goto(harness.site.origin);
      await page().getByLabel('Username').waitFor(wait);
      await harness.screenshot('01-sign-in');
      await page().getByLabel('Username').fill(ADMIN.username);
      await page().getByLabel('Password').fill('not-the-password');
      await page().getByRole('button', { name: 'Sign in' }).click();
      await page().getByRole('alert').getByText('wrong username or password').waitFor(wait);
      await harness.screenshot('02-sign-in-refused');

      await page().getByLabel('Password').fill(ADMIN.password);
      await page().getByRole('button', { name: 'Sign in' }).click();
      await heading('Overview').waitFor(wait);
      await page().getByText('No devices yet').waitFor(wait);
      await page().locator('.live-indicator', { hasText: 'Live' }).waitFor(wait);
      expect(await page().getByTestId('online-count').textContent()).toBe('0 / 0');
    });

    it('creates a device and shows its secret once, with connection snippets', async () => {
      await nav('Devices');
      await heading('Devices').waitFor(wait);
      await page().getByText('No devices yet').waitFor(wait);
      await page().getByRole('button', { name: 'New device' }).click();
      await page().getByLabel('Device id').fill(DEVICE);
      await page().getByLabel('Name', { exact: true }).fill('E2E pump');
      await page().getByRole('button', { name: 'Create and issue credential' }).click();
      const secretCell = page().getByTestId('device-secret');
      await secretCell.waitFor(wait);
      secret = (await secretCell.textContent()) ?? '';
      expect(secret.length).toBeGreaterThan(16);
      const cli = page().getByRole('region', { name: 'MQTT · mosquitto_pub' });
      expect(await cli.textContent()).toContain(`-P '${secret}'`);
      // The snippets name the platform's real ports (config.json), never a guessed 1883.
      const mqttUrl = new URL(harness.platform.urls.mqtt);
      expect(await cli.textContent()).toContain(`-h ${mqttUrl.hostname} -p ${mqttUrl.port}`);
      expect(
        await page().getByRole('region', { name: 'MQTT over WebSocket · mqtt.js' }).textContent(),
      ).toContain(harness.platform.urls.mqttWs);
      expect(
        await page().getByRole('region', { name: 'WebSocket · Node (ws)' }).textContent(),
      ).toContain(`${harness.platform.urls.apiWs}/ws/device`);
      await harness.screenshot('03-device-created');

      await page().getByRole('button', { name: 'I have stored the secret' }).click();
      expect(await page().getByTestId('device-secret').count()).toBe(0);
      const row = page().getByRole('row', { name: new RegExp(DEVICE) });
      await row.waitFor(wait);
      expect(await row.textContent()).toContain('Offline');
      await harness.screenshot('04-devices');
    });

    it('shows a reading from a device connected over MQTT live on its chart', async () => {
      await page().getByRole('link', { name: DEVICE }).click();
      await heading('E2E pump').waitFor(wait);
      await page().getByText('No readings in the last 10 minutes').waitFor(wait);

      device = await mqtt.connectAsync(harness.platform.urls.mqtt, {
        clientId: DEVICE,
        username: DEVICE,
        password: secret,
        reconnectPeriod: 0,
      });
      await page().getByTestId('device-state').getByText('Online').waitFor(wait);
      const start = Date.now() - 60_000;
      for (let i = 0; i < 30; i++)
        await publish(
          { temperature: 20 + Math.sin(i / 4), humidity: 40 + i / 3 },
          start + i * 2000,
        );
      await publish({ temperature: 21.5, humidity: 51 });

      await expect.poll(pointCount, wait).toBe(31);
      const latest = page().getByTestId('latest-values');
      await expect.poll(() => latest.textContent(), wait).toContain('21.5');
      await page().locator('figure[data-chart=live] canvas').first().waitFor(wait);
      await page().getByTestId('recent-readings').getByRole('cell', { name: '21.5' }).waitFor(wait);
      await harness.screenshot('05-device-live');
    });

    it('replays history after a reload and joins the live stream with no gap or duplicate', async () => {
      await page().reload();
      await heading('E2E pump').waitFor(wait);
      await expect.poll(pointCount, wait).toBe(31);
      await publish({ temperature: 22.25, humidity: 52 });
      await expect.poll(pointCount, wait).toBe(32);
      await expect
        .poll(() => page().getByTestId('latest-values').textContent(), wait)
        .toContain('22.25');
    });

    it('draws long ranges from the bucket query', async () => {
      await page().getByLabel('Time range').selectOption('1h');
      await page().getByText('average per').waitFor(wait);
      await page().locator('figure[data-chart=buckets] canvas').first().waitFor(wait);
      await harness.screenshot('06-device-buckets');
      await page().getByLabel('Time range').selectOption('live-5m');
    });

    it('sends a command and shows the device’s ack', async () => {
      if (!device) throw new Error('the device is not connected');
      const client = device;
      await client.subscribeAsync(`devices/${DEVICE}/commands/+`, { qos: 1 });
      client.on('message', (topic, payload) => {
        if (!topic.includes('/commands/') || topic.endsWith('/ack')) return;
        const command = JSON.parse(payload.toString()) as { id: string };
        void client.publishAsync(
          `${topic}/ack`,
          JSON.stringify({ id: command.id, ok: true, result: { rebooted: true } }),
          { qos: 1 },
        );
      });
      await page().getByLabel('Command', { exact: true }).fill('reboot');
      await page().getByLabel('Arguments (JSON object)').fill('{"delayMs": 10}');
      await page().getByRole('button', { name: 'Send command' }).click();
      const ack = page().getByTestId('command-ack');
      await ack.waitFor(wait);
      expect(await ack.textContent()).toContain('Acknowledged: ok');
      expect(await ack.textContent()).toContain('"rebooted": true');
      await harness.screenshot('07-device-command-ack');
      // A new edit makes the old ack stale: it goes, and the new problem shows alone.
      await page().getByLabel('Arguments (JSON object)').fill('{"delayMs":');
      await page().getByText('Arguments are not valid JSON').waitFor(wait);
      expect(await page().getByTestId('command-ack').count()).toBe(0);
      await page().getByLabel('Arguments (JSON object)').fill('{}');
    });

    it('counts the device online by protocol and its readings per second on the overview', async () => {
      await nav('Overview');
      await heading('Overview').waitFor(wait);
      await expect.poll(() => page().getByTestId('online-count').textContent(), wait).toBe('1 / 1');
      await page().getByRole('row', { name: /mqtt/ }).waitFor(wait);
      for (let i = 0; i < 20; i++) await publish({ temperature: 21 + i / 10, humidity: 50 });
      await expect
        .poll(
          async () => Number(await page().getByTestId('readings-per-second').textContent()),
          wait,
        )
        .toBeGreaterThan(0);
      expect(await page().getByTestId('delay-explained').textContent()).toContain(
        'Device clock → API, from each message’s newest reading',
      );
      await harness.screenshot('08-overview');
    });

    it('streams matching messages in the topic explorer', async () => {
      await nav('Topic explorer');
      await heading('Topic explorer').waitFor(wait);
      await page().getByLabel('Topic filter').fill(`devices/${DEVICE}/#`);
      await page().getByRole('button', { name: 'Subscribe' }).click();
      await page()
        .getByRole('heading', { name: `Streaming devices/${DEVICE}/#` })
        .waitFor(wait);
      await publish({ temperature: 23.5, humidity: 55 });
      const messages = page().getByTestId('explorer-messages');
      await messages.getByText(`devices/${DEVICE}/telemetry`).first().waitFor(wait);
      expect(await messages.textContent()).toContain('23.5');
      await harness.screenshot('09-explorer');
    });

    it('works in a narrow window', async () => {
      await page().setViewportSize({ width: 360, height: 780 });
      await page().getByRole('button', { name: 'Menu' }).click();
      await nav('Devices');
      await heading('Devices').waitFor(wait);
      const overflow = await page().evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBe(0);
      await harness.screenshot('09-devices-narrow');
      await page().getByRole('link', { name: DEVICE }).click();
      await heading('E2E pump').waitFor(wait);
      await harness.screenshot('09-device-narrow');
      await page().setViewportSize({ width: 1280, height: 860 });
    });

    it('adds a denying rule, explains it, and the explorer is refused', async () => {
      await nav('Access rules');
      await heading('Access rules').waitFor(wait);
      await page().getByRole('cell', { name: 'Every application topic' }).waitFor(wait);
      const form = page().getByRole('form', { name: 'Add a rule' });
      await form.getByLabel('Effect').selectOption('deny');
      await form.getByLabel('Action').selectOption('subscribe');
      await form.getByLabel('Topic filter').fill(`devices/${DEVICE}/#`);
      await form.getByLabel('Role', { exact: true }).selectOption('admin');
      await form.getByLabel('Description').fill('E2E: admins may not watch the pump');
      await form.getByRole('button', { name: 'Add rule' }).click();
      await page().getByRole('cell', { name: 'E2E: admins may not watch the pump' }).waitFor(wait);

      const explain = page().getByRole('region', { name: 'Explain a decision' });
      await explain.getByLabel('Role', { exact: true }).selectOption('admin');
      await explain.getByLabel('Topic or filter').fill(`devices/${DEVICE}/telemetry`);
      await explain.getByRole('button', { name: 'Explain' }).click();
      const result = page().getByTestId('explain-result');
      await result.waitFor(wait);
      expect(await result.textContent()).toMatch(/^Denied/);
      expect(await result.textContent()).toContain(`deny subscribe devices/${DEVICE}/#`);
      await page().locator('tr.deciding').waitFor(wait);
      await harness.screenshot('10-access-rules');

      await nav('Topic explorer');
      await page().getByLabel('Topic filter').fill(`devices/${DEVICE}/telemetry`);
      await page().getByRole('button', { name: 'Subscribe' }).click();
      const refused = page().getByTestId('explorer-refused');
      await refused.waitFor(wait);
      expect(await refused.textContent()).toContain(
        `the access rules do not let admin (admin) subscribe to devices/${DEVICE}/telemetry`,
      );
      await harness.screenshot('11-explorer-refused');

      await nav('Devices');
      await page().getByRole('link', { name: DEVICE }).click();
      await page().getByText('This device’s telemetry cannot be streamed to you').waitFor(wait);
      await harness.screenshot('12-device-refused');
    });

    it('shows a lab result’s claims and scenarios', async () => {
      await nav('Protocol lab');
      await heading('Protocol lab').waitFor(wait);
      await page()
        .getByLabel('Lab result file (JSON)')
        .setInputFiles(
          join(import.meta.dirname, '..', 'src', 'lab', 'fixtures', 'lab-report.json'),
        );
      const claims = page().getByRole('region', { name: 'Claims' });
      await claims.getByText('Did not hold').waitFor(wait);
      expect(await claims.getByRole('row').count()).toBe(5);
      await page().getByRole('heading', { name: 'Point-to-point latency' }).waitFor(wait);
      await page().locator('.lab-chart canvas').first().waitFor(wait);
      await harness.screenshot('13-lab');
    });

    it('follows the system’s dark mode, on a desktop and in a 360 px window', async () => {
      await page().emulateMedia({ colorScheme: 'dark' });
      await nav('Devices');
      await page().getByRole('link', { name: DEVICE }).click();
      await heading('E2E pump').waitFor(wait);
      const background = await page().evaluate(
        () => getComputedStyle(document.documentElement).backgroundColor,
      );
      expect(background).toBe('rgb(11, 17, 32)');
      await harness.screenshot('14-device-dark');
      await nav('Overview');
      await heading('Overview').waitFor(wait);
      await harness.screenshot('15-overview-dark');
      await page().setViewportSize({ width: 360, height: 780 });
      await page().getByRole('button', { name: 'Menu' }).click();
      await nav('Devices');
      await heading('Devices').waitFor(wait);
      await harness.screenshot('16-devices-dark-narrow');
      await page().setViewportSize({ width: 1280, height: 860 });
      await page().emulateMedia({ colorScheme: 'light' });
    });

    it('signs out back to the sign-in page, and a deep link asks to sign in again', async () => {
      await page().getByRole('button', { name: 'Sign out' }).click();
      await page().getByRole('heading', { name: 'Sign in to Twinwire' }).waitFor(wait);
      await page().goto(`${harness.site.origin}/#/devices/${DEVICE}`);
      await page().getByRole('heading', { name: 'Sign in to Twinwire' }).waitFor(wait);
      expect(harness.pageErrors).toEqual([]);
    });
  },
);
