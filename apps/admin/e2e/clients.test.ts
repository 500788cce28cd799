// The Clients page in Chromium: an MQTT device connected to the real broker is listed with
// what an operator needs, and disconnecting it and clearing its session work through the UI
// (checked through the API and by the device's own connection).
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, startHarness, type Harness } from './helpers/harness.ts';

const browserAvailable = inject('chromiumPath') !== '';
const wait = { timeout: 15_000 };
const DEVICE = 'clients-pump';

interface ClientView {
  clientId: string;
  state: string;
  queued: number | null;
}

describe.skipIf(!browserAvailable)('the Clients page in Chromium', () => {
  let harness: Harness;
  let secret = '';
  const page = () => harness.page;
  const row = () => page().locator(`tr[data-client-id="${DEVICE}"]`);
  const connect = () =>
    mqtt.connectAsync(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      clean: false,
      reconnectPeriod: 0,
      keepalive: 42,
    });

  beforeAll(async () => {
    harness = await startHarness();
    ({ secret } = await harness.provision(DEVICE, { name: 'Pump' }));
    await signIn(harness);
  });
  afterAll(async () => {
    await harness.close();
  });

  it('lists a connected device with its principal, protocol, keepalive and subscriptions', async () => {
    const device: MqttClient = await connect();
    await device.subscribeAsync(`devices/${DEVICE}/commands/#`, { qos: 1 });
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Clients' })
      .click();
    await page().getByRole('heading', { level: 1, name: 'Clients' }).waitFor(wait);
    await expect.poll(() => row().textContent(), wait).toContain('1');
    const text = (await row().textContent()) ?? '';
    expect(text).toContain('connected');
    expect(text).toContain(`device ${DEVICE}`);
    expect(text).toContain('MQTT 3.1.1');
    expect(text).toContain('42 s');
    expect(text).toContain('persistent session');
    await page().getByRole('list', { name: 'Brokers' }).getByText('live').waitFor(wait);
    await harness.screenshot('30-clients');

    const closed = new Promise<void>((resolve) => device.once('close', resolve));
    await row().getByRole('button', { name: 'Disconnect' }).click();
    await row()
      .getByRole('button', { name: `Disconnect ${DEVICE}` })
      .click();
    await closed;
    await expect
      .poll(
        async () => (await harness.api<ClientView>('GET', `/clients/${DEVICE}`)).body.state,
        wait,
      )
      .toBe('offline');
    await expect.poll(() => row().textContent(), wait).toContain('offline');
  });

  it('clears an offline session: the row goes, and the device reconnects without a session', async () => {
    await harness.api('POST', `/devices/${DEVICE}/commands/reboot`, { args: {}, waitMs: 0 });
    await expect
      .poll(async () => (await harness.api<ClientView>('GET', `/clients/${DEVICE}`)).body.queued, {
        timeout: 20_000,
      })
      .toBe(1);
    await page().getByLabel('State').selectOption('offline');
    await row().getByRole('button', { name: 'Clear session' }).click();
    await harness.screenshot('31-clients-clear-confirm');
    await row()
      .getByRole('button', { name: `Clear the session of ${DEVICE}` })
      .click();
    await expect.poll(() => row().count(), wait).toBe(0);
    expect((await harness.api('GET', `/clients/${DEVICE}`)).status).toBe(404);
    // [MQTT-3.2.2-3] nothing was kept: the CONNACK says no session.
    const again = mqtt.connect(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      clean: false,
      reconnectPeriod: 0,
    });
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      again.once('connect', resolve);
      again.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(false);
    await again.endAsync();
    expect(harness.pageErrors).toEqual([]);
  });

  it('shows the shared subscription groups a client is a member of', async () => {
    const member = await mqtt.connectAsync(harness.platform.urls.mqtt, {
      clientId: DEVICE,
      username: DEVICE,
      password: secret,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    await member.subscribeAsync(`$share/pumps/devices/${DEVICE}/commands/#`, { qos: 1 });
    await page().getByLabel('State').selectOption('all');
    await expect.poll(() => row().textContent(), wait).toContain('group pumps');
    await row().getByText('1', { exact: true }).click();
    expect(await row().textContent()).toContain(`$share/pumps/devices/${DEVICE}/commands/#`);
    await harness.screenshot('32-clients-shared-group');
    await member.endAsync();
    expect(harness.pageErrors).toEqual([]);
  });
});
