/**
 * Claim 7, the common pattern end to end: an MQTT device and a WebSocket device publish
 * telemetry; a dashboard on the API's `/ws/live` receives both through the broker. Latency
 * from the device's send to the dashboard's frame (one clock), and what never arrived.
 * An MQTT subscriber on the same topics shows the broker leg alone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import type { LabContext, Scenario, ScenarioOutput } from '../context.ts';
import { LatencyRecorder, num } from '../stats.ts';
import { closeWs } from '../transports.ts';

interface Lane {
  name: string;
  /** Short label for the chart. */
  short: string;
  sentAt: Map<number, number>;
  seen: Set<number>;
  recorder: LatencyRecorder;
}

const newLane = (name: string, short: string): Lane => ({
  name,
  short,
  sentAt: new Map(),
  seen: new Set(),
  recorder: new LatencyRecorder(),
});

function observe(lane: Lane, seq: number): void {
  const sent = lane.sentAt.get(seq);
  if (sent === undefined || lane.seen.has(seq)) return;
  lane.seen.add(seq);
  lane.recorder.record(performance.now() - sent);
}

async function openDashboard(
  context: LabContext,
  filters: string[],
  onMessage: (topic: string, seq: number) => void,
): Promise<WebSocket> {
  const url = `${context.target.urls.api.replace(/^http/, 'ws')}/ws/live?access_token=${encodeURIComponent(context.api.accessToken)}`;
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });
  let subscribed = 0;
  const allSubscribed = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as {
        type: string;
        topic?: string;
        payload?: { seq?: number };
        message?: string;
      };
      if (frame.type === 'subscribed' && ++subscribed === filters.length) resolve();
      else if (frame.type === 'message' && frame.topic && typeof frame.payload?.seq === 'number')
        onMessage(frame.topic, frame.payload.seq);
      else if (frame.type === 'error')
        reject(new Error(`dashboard: ${frame.message ?? 'error frame'}`));
    });
  });
  filters.forEach((filter, i) => {
    socket.send(JSON.stringify({ type: 'subscribe', id: `s${i}`, filter }));
  });
  await allSubscribed;
  return socket;
}

export const endToEndScenario: Scenario = {
  id: 'end-to-end',
  title: 'The common pattern: device → broker → API → WebSocket dashboard',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const sizes = context.sizes.endToEnd;
    const mqttId = `lab-${context.runId}-e2e-mqtt`;
    const wsId = `lab-${context.runId}-e2e-ws`;
    const mqttSecret = await context.api.provisionDevice(mqttId, `protocol lab ${mqttId}`);
    const wsSecret = await context.api.provisionDevice(wsId, `protocol lab ${wsId}`);
    const topicOf = (id: string) => `devices/${id}/telemetry`;
    const lanes = {
      mqttDash: newLane('MQTT device (QoS 1) → WebSocket dashboard', 'MQTT → dashboard'),
      wsDash: newLane('WebSocket device → WebSocket dashboard', 'WS → dashboard'),
      mqttSub: newLane('MQTT device (QoS 1) → MQTT subscriber', 'MQTT → MQTT sub'),
      wsSub: newLane('WebSocket device → MQTT subscriber', 'WS → MQTT sub'),
    };
    const closers: (() => Promise<unknown>)[] = [];
    try {
      const dashboard = await openDashboard(
        context,
        [topicOf(mqttId), topicOf(wsId)],
        (topic, seq) => {
          observe(topic === topicOf(mqttId) ? lanes.mqttDash : lanes.wsDash, seq);
        },
      );
      closers.push(() => closeWs(dashboard));
      const subscriber: MqttClient = await mqtt.connectAsync(context.endpoints.mqtt, {
        clientId: `user/lab-${context.runId}-e2e-sub`,
        ...context.target.mqttAuth,
        reconnectPeriod: 0,
      });
      closers.push(() => subscriber.endAsync(true));
      await subscriber.subscribeAsync([topicOf(mqttId), topicOf(wsId)], { qos: 1 });
      subscriber.on('message', (topic, payload) => {
        const seq = (JSON.parse(payload.toString('utf8')) as { seq: number }).seq;
        observe(topic === topicOf(mqttId) ? lanes.mqttSub : lanes.wsSub, seq);
      });
      const device: MqttClient = await mqtt.connectAsync(context.endpoints.mqtt, {
        clientId: mqttId,
        username: mqttId,
        password: mqttSecret,
        reconnectPeriod: 0,
      });
      closers.push(() => device.endAsync(true));
      const wsDevice = new WebSocket(
        `${context.target.urls.api.replace(/^http/, 'ws')}/ws/device`,
        {
          headers: {
            authorization: `Basic ${Buffer.from(`${wsId}:${wsSecret}`).toString('base64')}`,
          },
        },
      );
      await new Promise<void>((resolve, reject) => {
        wsDevice.once('open', () => {
          resolve();
        });
        wsDevice.once('error', reject);
      });
      closers.push(() => closeWs(wsDevice));

      context.progress(
        `end-to-end: ${sizes.ratePerSecond} readings/s per device for ${sizes.measureMs / 1000} s`,
      );
      let seq = 0;
      const timer = setInterval(() => {
        seq += 1;
        const reading = { ts: Date.now(), seq, metrics: { temperature: 20 + (seq % 10) } };
        const now = performance.now();
        for (const lane of Object.values(lanes)) lane.sentAt.set(seq, now);
        device.publish(topicOf(mqttId), JSON.stringify(reading), { qos: 1 });
        wsDevice.send(JSON.stringify({ type: 'telemetry', id: `r${seq}`, reading }));
      }, 1000 / sizes.ratePerSecond);
      await sleep(sizes.measureMs);
      clearInterval(timer);
      await sleep(2_000);

      const result = (lane: Lane) => ({
        summary: lane.recorder.summary(),
        sent: lane.sentAt.size,
        lost: lane.sentAt.size - lane.seen.size,
      });
      context.facts.endToEnd = {
        mqttDevice: result(lanes.mqttDash),
        wsDevice: result(lanes.wsDash),
      };
      const rows = Object.values(lanes).map((lane) => {
        const r = result(lane);
        return {
          path: lane.name,
          sent: r.sent,
          lost: r.lost,
          p50: num(r.summary.p50, 3),
          p90: num(r.summary.p90, 3),
          p99: num(r.summary.p99, 3),
          max: num(r.summary.max, 3),
        };
      });
      return {
        method:
          `Two provisioned devices — one MQTT/TCP (QoS 1, its own password), one on the API's /ws/device — each send ${sizes.ratePerSecond} readings/s for ${sizes.measureMs / 1000} s. ` +
          'A dashboard on /ws/live (admin token) subscribes to both telemetry topics; an MQTT subscriber listens too. Latency: device send → frame received, one clock in the lab process.',
        tables: [
          {
            title: 'Device → dashboard, end to end',
            columns: [
              { key: 'path', label: 'path' },
              { key: 'sent', label: 'sent' },
              { key: 'lost', label: 'not received' },
              { key: 'p50', label: 'p50', unit: 'ms' },
              { key: 'p90', label: 'p90', unit: 'ms' },
              { key: 'p99', label: 'p99', unit: 'ms' },
              { key: 'max', label: 'max', unit: 'ms' },
            ],
            rows,
          },
        ],
        charts: [
          {
            title: 'Device → consumer latency',
            kind: 'bar',
            xLabel: 'path',
            yLabel: 'ms',
            series: (['p50', 'p99'] as const).map((key) => ({
              name: key,
              points: Object.values(lanes).map((lane) => ({
                x: lane.short,
                y: num(lane.recorder.summary()[key], 3) ?? 0,
              })),
            })),
          },
        ],
        notes: [
          'Telemetry is validated and stored on the way (MQTT QoS 1: PUBACK after the commit; WebSocket: ack after the commit); readings published by the API for WebSocket devices reach the broker through its service connection.',
        ],
      };
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      for (const id of [mqttId, wsId]) await context.api.deleteDevice(id).catch(() => undefined);
    }
  },
};
