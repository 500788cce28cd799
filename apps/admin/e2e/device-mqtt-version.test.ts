// Each device's MQTT version in Chromium: an MQTT 5.0 and an MQTT 3.1.1 device connected to
// the e2e stack's broker (mqtt.js) show "MQTT 5.0" and "MQTT 3.1.1" on the device list and
// on their pages, and the API says the same (GET /devices/{id} connection).
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };
const V5 = 'version-five';
const V3 = 'version-three';

interface DeviceView {
  connection: { transport: string; protocolVersion: number | null } | null;
}

describe.skipIf(!browserAvailable)('the MQTT version of each device in Chromium', () => {
  let harness: Harness;
  const clients: MqttClient[] = [];
  const page = () => harness.page;

  async function connectDevice(id: string, protocolVersion: 4 | 5): Promise<void> {
    const { secret } = await harness.provision(id, { name: `MQTT ${protocolVersion} device` });
    clients.push(
      await mqtt.connectAsync(harness.platform.urls.mqtt, {
        clientId: id,
        username: id,
        password: secret,
        protocolVersion,
        reconnectPeriod: 0,
      }),
    );
  }

  beforeAll(async () => {
    harness = await startHarness();
    await connectDevice(V5, 5);
    await connectDevice(V3, 4);
    await signIn(harness);
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await harness.close();
  });

  it('the API reports protocol version 5 and 4', async () => {
    const versionOf = async (id: string) =>
      (await harness.api<DeviceView>('GET', `/devices/${id}`)).body.connection?.protocolVersion;
    await expect.poll(() => versionOf(V5), wait).toBe(5);
    await expect.poll(() => versionOf(V3), wait).toBe(4);
  });

  it('the device list and each device page show MQTT 5.0 and MQTT 3.1.1', async () => {
    const versionCell = (id: string) =>
      page()
        .locator('tr', { has: page().getByRole('link', { name: id, exact: true }) })
        .getByTestId('device-mqtt-version');
    // The list refetches every 30 s; a reload is quicker than waiting for it.
    await expect
      .poll(async () => {
        await page().goto(`${harness.site.origin}/#/devices`);
        await versionCell(V5).waitFor(wait);
        return [await versionCell(V5).textContent(), await versionCell(V3).textContent()];
      }, wait)
      .toEqual(['MQTT 5.0', 'MQTT 3.1.1']);
    await harness.screenshot('40-device-mqtt-versions');

    for (const [id, label] of [
      [V5, 'MQTT 5.0'],
      [V3, 'MQTT 3.1.1'],
    ] as const) {
      await page().goto(`${harness.site.origin}/#/devices/${id}`);
      await expect
        .poll(() => page().getByTestId('device-mqtt-version').textContent(), wait)
        .toBe(label);
    }
  });
});
