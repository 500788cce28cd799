// /metrics in the Prometheus text format: Node.js process metrics under their standard
// names, request durations by route pattern, WebSocket sessions, live frames and the broker
// link, scraped over a real port; METRICS_TOKEN guards it.
import { telemetryTopic } from '@twinwire/schemas/topics';
import { parseExposition, valueOf } from '@twinwire/testing/prometheus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, FrameLog, reading, startStack, type Stack } from './helpers/with-broker.ts';

describe('/metrics with a broker, over a real port', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      live: {
        slowConsumer: {
          dropAboveBytes: 64 * 1024,
          closeAboveBytes: 1024 * 1024,
          maxCongestedMs: 60_000,
          checkIntervalMs: 50,
        },
      },
    });
  });
  afterAll(() => stack.close());

  const scrape = async () => {
    const response = await fetch(`${stack.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await response.text());
  };

  it('keeps the Node.js process metrics under their standard prom-client names', async () => {
    const response = await fetch(`${stack.httpUrl}/metrics`);
    const text = await response.text();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_heap_size_total_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).not.toMatch(/^twinwire_api_(process|nodejs)_/m);
  });

  it('times requests by route pattern, method and status code, never by raw URL', async () => {
    const token = await stack.tokenFor('viewer');
    const missing = `no-such-device-${Date.now().toString()}`;
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${stack.httpUrl}/api/v1/devices/${missing}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(404);
    }
    expect((await fetch(`${stack.httpUrl}/api/v1/devices/${missing}`)).status).toBe(401);
    expect((await fetch(`${stack.httpUrl}/${missing}`)).status).toBe(404);

    const samples = await scrape();
    const count = (labels: Record<string, string>) =>
      valueOf(samples, 'twinwire_api_http_request_duration_seconds_count', labels);
    expect(count({ route: '/api/v1/devices/:id', method: 'GET', status_code: '404' })).toBe(2);
    expect(count({ route: '/api/v1/devices/:id', method: 'GET', status_code: '401' })).toBe(1);
    expect(count({ route: 'unmatched', method: 'GET', status_code: '404' })).toBe(1);
    expect(
      valueOf(samples, 'twinwire_api_http_request_duration_seconds_bucket', {
        le: '+Inf',
        route: '/api/v1/devices/:id',
        method: 'GET',
        status_code: '404',
      }),
    ).toBe(2);
    expect(samples.some((sample) => Object.values(sample.labels).join().includes(missing))).toBe(
      false,
    );
  });

  it('counts device and dashboard WebSocket sessions while they are open', async () => {
    const { deviceId, secret } = await stack.provision();
    const device = await stack.openWs('/ws/device', {
      headers: {
        authorization: `Basic ${Buffer.from(`${deviceId}:${secret}`).toString('base64')}`,
      },
    });
    const token = await stack.tokenFor('viewer');
    const dashboards = await Promise.all([
      stack.openWs(`/ws/live?access_token=${token}`),
      stack.openWs(`/ws/live?access_token=${token}`),
    ]);
    let samples = await scrape();
    expect(valueOf(samples, 'twinwire_api_websocket_sessions', { endpoint: 'device' })).toBe(1);
    expect(valueOf(samples, 'twinwire_api_websocket_sessions', { endpoint: 'live' })).toBe(2);

    for (const socket of [device, ...dashboards]) {
      const done = closed(socket);
      socket.close();
      await done;
    }
    await expect
      .poll(async () => {
        samples = await scrape();
        return [
          valueOf(samples, 'twinwire_api_websocket_sessions', { endpoint: 'device' }),
          valueOf(samples, 'twinwire_api_websocket_sessions', { endpoint: 'live' }),
        ];
      })
      .toEqual([0, 0]);
  });

  it('reports the broker link as connected', async () => {
    expect(valueOf(await scrape(), 'twinwire_api_broker_connected')).toBe(1);
  });

  it('counts live frames sent to dashboards and those dropped for a slow one', async () => {
    const topic = telemetryTopic(`metrics-${Date.now().toString()}`);
    const token = await stack.tokenFor('admin');
    const sentBefore = valueOf(await scrape(), 'twinwire_api_live_frames_sent_total') ?? 0;
    const socket = await stack.openWs(`/ws/live?access_token=${token}`);
    const frames = new FrameLog(socket);
    socket.send(JSON.stringify({ type: 'subscribe', id: 'm', filter: topic }));
    await frames.next((frame) => frame.type === 'subscribed');

    const service = await stack.mqttService();
    await service.publishAsync(topic, JSON.stringify(reading(1)), { qos: 1 });
    await frames.next((frame) => frame.type === 'message');
    const samples = await scrape();
    expect(valueOf(samples, 'twinwire_api_live_frames_sent_total')).toBe(sentBefore + 1);
    expect(valueOf(samples, 'twinwire_api_live_frames_dropped_total')).toBe(0);

    // A dashboard that stops reading: live messages are dropped once its backlog is full.
    socket.pause();
    const big = Object.fromEntries(
      Array.from({ length: 32 }, (_, i) => [`m${i.toString()}`, 'v'.repeat(250)]),
    );
    let seq = 2;
    let dropped = 0;
    for (let round = 0; round < 60 && dropped === 0; round += 1) {
      await Promise.all(
        Array.from({ length: 200 }, () =>
          service.publishAsync(topic, JSON.stringify(reading(seq++, big)), { qos: 1 }),
        ),
      );
      dropped = valueOf(await scrape(), 'twinwire_api_live_frames_dropped_total') ?? 0;
    }
    expect(dropped).toBeGreaterThan(0);
    const after = await scrape();
    const sent = valueOf(after, 'twinwire_api_live_frames_sent_total') ?? 0;
    // Every message published after the first was either sent or dropped, none twice.
    expect(
      sent - sentBefore - 1 + (valueOf(after, 'twinwire_api_live_frames_dropped_total') ?? 0),
    ).toBeLessThanOrEqual(seq - 2);
    expect(sent).toBeGreaterThan(sentBefore + 1);
    socket.resume();
  });
});
