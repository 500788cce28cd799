// "Last seen" on the device list in Chromium follows the live stream (issue #14.4): the
// devices table's last_seen_at is written in batches (every 10 s), so a device sending every
// few hundred milliseconds must read newer on the list than what the API has stored, and
// never in the future.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 20_000 };
const DEVICE = 'chatty-meter';

describe.skipIf(!browserAvailable)('live last seen on the device list in Chromium', () => {
  let harness: Harness;
  let device: MqttClient | undefined;
  let sending: ReturnType<typeof setInterval> | undefined;

  beforeAll(async () => {
    harness = await startHarness();
    const { secret } = await harness.provision(DEVICE, { name: 'Chatty meter' });
    device = await mqtt.connectAsync(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      reconnectPeriod: 0,
    });
    let seq = 0;
    sending = setInterval(() => {
      seq += 1;
      const reading = { ts: Date.now(), seq, metrics: { power_w: 100 + seq } };
      // Publishes still in flight when the device ends are refused: nothing to report.
      device
        ?.publishAsync(`devices/${DEVICE}/telemetry`, JSON.stringify(reading), { qos: 1 })
        .catch(() => undefined);
    }, 300);
    await signIn(harness);
  });
  afterAll(async () => {
    clearInterval(sending);
    await device?.endAsync(true);
    await harness.close();
  });

  it('shows a last-seen time newer than the stored one, and not in the future', async () => {
    await page().goto(`${harness.site.origin}/#/devices`);
    const lastSeen = page()
      .locator('tr', { has: page().getByRole('link', { name: DEVICE, exact: true }) })
      .locator('time');
    await lastSeen.waitFor(wait);
    // Read both at nearly the same moment: the list's time is the live stream's, newer than
    // the batch the broker last wrote (or there is no stored time yet).
    await expect
      .poll(async () => {
        const shown = Date.parse((await lastSeen.getAttribute('datetime')) ?? '');
        const stored = (
          await harness.api<{ lastSeenAt: string | null }>('GET', `/devices/${DEVICE}`)
        ).body.lastSeenAt;
        return shown > (stored === null ? 0 : Date.parse(stored));
      }, wait)
      .toBe(true);
    const text = (await lastSeen.textContent()) ?? '';
    expect(text).not.toMatch(/^in /);
    expect(harness.pageErrors).toEqual([]);
  });

  function page() {
    return harness.page;
  }
});
