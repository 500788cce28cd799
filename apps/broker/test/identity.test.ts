import { setTimeout as sleep } from 'node:timers/promises';
import { createUser } from '@twinwire/db/users';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_SECRET, startBroker, type TestBroker } from './helpers/start-broker.ts';
import { refusal } from './helpers/refusal.ts';
import { grantedQos } from './helpers/subscribe.ts';

describe('device authentication', () => {
  let harness: TestBroker;
  let secret: string;
  beforeAll(async () => {
    harness = await startBroker();
    secret = await harness.provision('sensor-a');
    await harness.provision('sensor-b');
  });
  afterAll(() => harness.close());

  it('accepts a device with its id as client id and username and its secret as password', async () => {
    const client = await harness.connect({
      clientId: 'sensor-a',
      username: 'sensor-a',
      password: secret,
    });
    expect(client.connected).toBe(true);
  });

  it('refuses a wrong secret or an unknown device with CONNACK 4 [MQTT-3.2.2-5]', async () => {
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a',
        username: 'sensor-a',
        password: 'wrong',
      }),
    ).toBe(4);
    expect(
      await refusal(harness.mqttUrl, { clientId: 'ghost', username: 'ghost', password: secret }),
    ).toBe(4);
  });

  it('refuses anonymous clients with CONNACK 5 unless configured', async () => {
    expect(await refusal(harness.mqttUrl, { clientId: 'anon' })).toBe(5);
  });

  it('gives CONNACK 2 to another principal claiming a device’s client id, and keeps the rightful connection [MQTT-3.1.3-8]', async () => {
    const rightful = await harness.connect({
      clientId: 'sensor-a',
      username: 'sensor-a',
      password: secret,
      clean: true,
    });
    const otherSecret = await harness.provision('sensor-c');
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a',
        username: 'sensor-c',
        password: otherSecret,
      }),
    ).toBe(2);
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a',
        username: 'service',
        password: SERVICE_SECRET,
      }),
    ).toBe(2);
    await sleep(100);
    expect(rightful.connected).toBe(true);
    await rightful.publishAsync(
      'devices/sensor-a/telemetry',
      JSON.stringify({ ts: Date.now(), seq: 1, metrics: { t: 1 } }),
      { qos: 1 },
    );
  });

  it('gives a device CONNACK 2 for any client id but its own [MQTT-3.1.3-8]', async () => {
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a-2',
        username: 'sensor-a',
        password: secret,
      }),
    ).toBe(2);
  });

  it('authenticates the API’s service principal under a service/ client id', async () => {
    const client = await harness.connect({
      clientId: 'service/api-1',
      username: 'service',
      password: SERVICE_SECRET,
    });
    expect(client.connected).toBe(true);
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'service/api-2',
        username: 'service',
        password: 'nope',
      }),
    ).toBe(4);
  });

  it('authenticates users by username and password under a user/ client id, with their role', async () => {
    await createUser(harness.database.db, {
      username: 'olga',
      password: 'olga-password-1',
      role: 'operator',
    });
    const operator = await harness.connect({
      clientId: 'user/olga-laptop',
      username: 'olga',
      password: 'olga-password-1',
    });
    expect(await grantedQos(operator, ['devices/#', '$SYS/#'])).toEqual([0, 128]);
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'user/olga-2',
        username: 'olga',
        password: 'wrong',
      }),
    ).toBe(4);
  });

  it('refuses an MQTT 3.1.1 keepalive above the limit, or zero, with CONNACK 2, as Mosquitto does', async () => {
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a',
        username: 'sensor-a',
        password: secret,
        keepalive: 3600,
      }),
    ).toBe(2);
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a',
        username: 'sensor-a',
        password: secret,
        keepalive: 0,
      }),
    ).toBe(2);
    const metrics = await (
      await fetch(`http://127.0.0.1:${harness.broker.addresses.http}/metrics`)
    ).text();
    expect(metrics).toMatch(/twinwire_broker_auth_failures_total\{reason="keepalive"\} 2/);
  });

  it('refuses a will on a topic the device may not publish to with CONNACK 5', async () => {
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-a',
        username: 'sensor-a',
        password: secret,
        will: {
          topic: 'devices/sensor-b/status',
          payload: Buffer.from('{}'),
          qos: 1,
          retain: true,
        },
      }),
    ).toBe(5);
  });

  it('counts refusals by reason in /metrics', async () => {
    const response = await fetch(`http://127.0.0.1:${harness.broker.addresses.http}/metrics`);
    const body = await response.text();
    expect(body).toMatch(/twinwire_broker_auth_failures_total\{reason="bad_credentials"\} [1-9]/);
    expect(body).toMatch(
      /twinwire_broker_auth_failures_total\{reason="client_id_not_owned"\} [1-9]/,
    );
    expect(body).toMatch(
      /twinwire_broker_auth_failures_total\{reason="client_id_of_a_device"\} [1-9]/,
    );
  });
});

describe('authentication while the database is unreachable', () => {
  let harness: TestBroker | undefined;
  afterEach(async () => {
    await harness?.outage?.restore();
    await harness?.close();
  });

  it('fails closed with CONNACK 3 and recovers when the database returns', async () => {
    harness = await startBroker({}, { outage: true });
    const secret = await harness.provision('sensor-d');
    await harness.outage?.cut();
    expect(
      await refusal(harness.mqttUrl, {
        clientId: 'sensor-d',
        username: 'sensor-d',
        password: secret,
      }),
    ).toBe(3);
    await harness.outage?.restore();
    const client = await harness.connect({
      clientId: 'sensor-d',
      username: 'sensor-d',
      password: secret,
    });
    expect(client.connected).toBe(true);
  });
});

describe('anonymous access when configured', () => {
  it('lets anonymous clients in as viewers: they may watch telemetry but not publish commands', async () => {
    const harness = await startBroker({ ALLOW_ANONYMOUS: 'true' });
    try {
      await harness.provision('sensor-a');
      const viewer = await harness.connect({ clientId: 'user/anonymous-1' });
      expect(await grantedQos(viewer, ['devices/+/telemetry', 'devices/+/commands/+'])).toEqual([
        0, 128,
      ]);
      expect(await refusal(harness.mqttUrl, { clientId: 'sensor-a' })).toBe(2);
    } finally {
      await harness.close();
    }
  });
});
