import { readFileSync } from 'node:fs';
import { tlsFixtures } from '@twinwire/testing/tls-fixtures';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from './helpers/start-broker.ts';

const ca = readFileSync(tlsFixtures.ca);

function connectTls(port: number, options: mqtt.IClientOptions): Promise<mqtt.MqttClient | Error> {
  const client = mqtt.connect(`mqtts://127.0.0.1:${port}`, {
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ca,
    ...options,
  });
  return new Promise((resolve) => {
    client.once('connect', () => {
      resolve(client);
    });
    client.once('error', (error) => {
      client.end(true);
      resolve(error);
    });
    client.once('close', () => {
      resolve(new Error('closed before CONNACK'));
    });
  });
}

describe('MQTT over TLS with device passwords', () => {
  let harness: TestBroker;
  beforeAll(async () => {
    harness = await startBroker({
      TLS_CERT: tlsFixtures.cert,
      TLS_KEY: tlsFixtures.key,
    });
  });
  afterAll(() => harness.close());

  it('opens the TLS listener when a certificate is configured and authenticates devices over it', async () => {
    const secret = await harness.provision('tls-password');
    const port = harness.broker.addresses.tls ?? 0;
    const client = await connectTls(port, {
      clientId: 'tls-password',
      username: 'tls-password',
      password: secret,
    });
    expect(client).not.toBeInstanceOf(Error);
    if (client instanceof Error) return;
    await client.publishAsync(
      'devices/tls-password/telemetry',
      JSON.stringify({ ts: Date.now(), seq: 1, metrics: { t: 1 } }),
      { qos: 1 },
    );
    const stored = await harness.database.pool.query(
      "SELECT 1 FROM telemetry WHERE device_id = 'tls-password'",
    );
    expect(stored.rowCount).toBe(1);
    await client.endAsync();
  });

  it('does not open a TLS listener without a certificate', async () => {
    const plain = await startBroker();
    try {
      expect(plain.broker.addresses.tls).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});

describe('MQTT over TLS with required client certificates', () => {
  let harness: TestBroker;
  beforeAll(async () => {
    harness = await startBroker({
      TLS_CERT: tlsFixtures.cert,
      TLS_KEY: tlsFixtures.key,
      TLS_CA: tlsFixtures.ca,
      TLS_REQUIRE_CLIENT_CERT: 'true',
    });
    await harness.provision('tls-device');
  });
  afterAll(() => harness.close());
  const port = () => harness.broker.addresses.tls ?? 0;

  it('maps a certificate signed by TLS_CA to the device named by its CN, without a password', async () => {
    const client = await connectTls(port(), {
      clientId: 'tls-device',
      cert: readFileSync(tlsFixtures.deviceCert),
      key: readFileSync(tlsFixtures.deviceKey),
    });
    expect(client).not.toBeInstanceOf(Error);
    if (!(client instanceof Error)) await client.endAsync();
  });

  it('refuses a certificate used under another client id with CONNACK 2 [MQTT-3.1.3-8]', async () => {
    const result = await connectTls(port(), {
      clientId: 'someone-else',
      cert: readFileSync(tlsFixtures.deviceCert),
      key: readFileSync(tlsFixtures.deviceKey),
    });
    expect((result as Error & { code?: number }).code).toBe(2);
  });

  it('refuses the handshake for a certificate from another CA, and for no certificate', async () => {
    for (const credentials of [
      {
        cert: readFileSync(tlsFixtures.foreignDeviceCert),
        key: readFileSync(tlsFixtures.foreignDeviceKey),
      },
      {},
    ]) {
      const result = await connectTls(port(), { clientId: 'tls-device', ...credentials });
      expect(result).toBeInstanceOf(Error);
      expect((result as Error & { code?: unknown }).code).not.toBe(0);
    }
  });
});
