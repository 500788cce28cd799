import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { readBrokerConfig } from '../src/config.ts';
import { startBroker } from './helpers/start-broker.ts';

it('serves /healthz, /readyz and Prometheus /metrics on the broker’s HTTP port', async () => {
  const harness = await startBroker();
  try {
    const base = `http://127.0.0.1:${harness.broker.addresses.http}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^# TYPE twinwire_broker_connections gauge$/m);
    // Node.js process metrics under prom-client's standard names, as stock dashboards expect.
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);
    expect(metrics).toMatch(/^nodejs_heap_size_total_bytes \d+/m);
    expect(metrics).not.toMatch(/^twinwire_broker_(process|nodejs)_/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  } finally {
    await harness.close();
  }
});

it('refuses to start on a port in use, naming the variable to change', async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const address = squatter.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    await expect(startBroker({ MQTT_WS_PORT: String(port) })).rejects.toThrow(
      `MQTT_WS_PORT: port ${port} on 127.0.0.1 is already in use; set MQTT_WS_PORT to a free port`,
    );
  } finally {
    squatter.close();
  }
});

it('on close: stops accepting, commits every buffered QoS 0 reading, and marks devices offline', async () => {
  const harness = await startBroker();
  const secret = await harness.provision('closing');
  const client = await harness.connect({
    clientId: 'closing',
    username: 'closing',
    password: secret,
  });
  for (let seq = 0; seq < 500; seq += 1) {
    await client.publishAsync(
      'devices/closing/telemetry',
      JSON.stringify({ ts: Date.now(), seq, metrics: { v: seq } }),
      { qos: 0 },
    );
  }
  await expect
    .poll(() =>
      harness.broker.metrics.publishesReceived
        .get()
        .then((m) => m.values.reduce((n, v) => n + v.value, 0)),
    )
    .toBe(500);
  const { database } = harness;
  const keep = await database.pool.connect();
  await harness.broker.close();
  const rows = await keep.query<{ n: string }>(
    "SELECT count(*) AS n FROM telemetry WHERE device_id = 'closing'",
  );
  const device = await keep.query<{ online: boolean }>(
    "SELECT online FROM devices WHERE id = 'closing'",
  );
  keep.release();
  expect(Number(rows.rows[0]?.n)).toBe(500);
  expect(device.rows[0]?.online).toBe(false);
  await expect(
    harness.connect({ clientId: 'closing', username: 'closing', password: secret }),
  ).rejects.toThrow(/ECONNREFUSED/);
  await harness.close();
});

it('reads every default from the documented table', () => {
  expect(readBrokerConfig({})).toMatchObject({
    MQTT_MAX_PACKET_BYTES: 262_144,
    MQTT_MAX_CONNECT_BYTES: 8_192,
  });
});

// [issue #13.8] Without its database the broker refuses devices and acknowledges nothing, so
// /readyz must say so and a load balancer can send devices elsewhere; it recovers by itself.
it('is not ready while its database is unreachable, and ready again once it answers', async () => {
  const harness = await startBroker({}, { outage: true });
  const outage = harness.outage!;
  const readyz = async () => {
    const response = await fetch(`http://127.0.0.1:${harness.broker.addresses.http}/readyz`);
    return { status: response.status, body: await response.json() };
  };
  try {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
    await outage.cut();
    expect(await readyz()).toEqual({
      status: 503,
      body: { status: 'not ready', reason: 'database unreachable' },
    });
    await outage.restore();
    await expect.poll(readyz, { timeout: 10_000 }).toEqual({
      status: 200,
      body: { status: 'ready' },
    });
  } finally {
    await harness.close();
  }
});
