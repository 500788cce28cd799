import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createBrokerLink } from '@twinwire/api/broker-link';
import { SERVICE_SECRET, startStack, type Stack } from './helpers/with-broker.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function ownLink(lingerMs: number) {
  const link = createBrokerLink({
    url: `mqtt://127.0.0.1:${stack.broker.addresses.mqtt}`,
    secret: SERVICE_SECRET,
    log: pino({ level: 'silent' }),
    lingerMs,
  });
  await link.ready();
  return link;
}

describe('the broker link', () => {
  it.each([
    ['within the linger time (the subscription is reused)', 2_000],
    ['after it (UNSUBSCRIBE, then SUBSCRIBE once it is acknowledged)', 0],
  ])(
    'still receives after a filter is closed and listened to again at once: %s',
    async (_, lingerMs) => {
      const link = await ownLink(lingerMs);
      const filter = `devices/remount-${lingerMs}/telemetry`;
      // Keep the client's outgoing store busy so the UNSUBSCRIBE is queued behind it: the
      // SUBSCRIBE that follows must still be sent, not skipped as "already subscribed".
      const busy = Array.from({ length: 50 }, (_, index) =>
        link.publish(`devices/remount/noise`, String(index), { qos: 1 }),
      );
      const first = link.listen(filter, () => undefined);
      await first.ready;
      first.close();
      // Past the linger time the UNSUBSCRIBE goes out (queued behind the noise, unacknowledged).
      if (lingerMs === 0) await sleep(1);
      const received: string[] = [];
      const second = link.listen(filter, (message) => received.push(message.payload.toString()));
      await second.ready;
      await Promise.all(busy);

      const publisher = await stack.mqttService();
      await publisher.publishAsync(filter, 'after-remount', { qos: 1 });
      await expect.poll(() => received, { timeout: 5_000 }).toEqual(['after-remount']);
      // And only once: no duplicate subscription either.
      await sleep(200);
      expect(received).toEqual(['after-remount']);
      second.close();
      await link.close();
    },
  );
});

describe('the broker link over MQTT 5.0', () => {
  it('keeps its unacknowledged QoS 1 publishes within the broker’s Receive Maximum [MQTT-4.9.0-2]', async () => {
    // Past the Receive Maximum the broker disconnects with 0x93 [MQTT-3.3.4-9]; the link
    // carries every WebSocket device's readings, so a burst must wait for PUBACKs instead.
    const small = await startStack({ brokerEnv: { MQTT_RECEIVE_MAXIMUM: '3' } });
    const warnings: string[] = [];
    const link = createBrokerLink({
      url: `mqtt://127.0.0.1:${small.broker.addresses.mqtt}`,
      secret: SERVICE_SECRET,
      log: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }),
    });
    try {
      await link.ready();
      const received: string[] = [];
      const listener = await small.mqttService();
      listener.on('message', (_topic, payload) => received.push(payload.toString()));
      await listener.subscribeAsync('devices/burst/noise', { qos: 1 });
      const burst = Array.from({ length: 60 }, (_, index) =>
        link.publish('devices/burst/noise', String(index), { qos: 1 }),
      );
      await Promise.all(burst);
      await expect.poll(() => received.length).toBe(60);
      // Never disconnected (0x93) and reconnected to resend.
      expect(warnings).toEqual([]);
      expect(received).toEqual(Array.from({ length: 60 }, (_, index) => String(index)));
    } finally {
      await link.close();
      await small.close();
    }
  });

  it('is slowed, not refused, past the broker’s publish rate (PUBACK 0x97 waits and resends)', async () => {
    // A Receive Maximum under the rate, as the defaults (100 and 1000/s) are: the refusals of
    // one window stay within what the broker tolerates before it disconnects (twice the rate).
    const slow = await startStack({
      brokerEnv: { MQTT_MAX_PUBLISH_RATE: '10', MQTT_RECEIVE_MAXIMUM: '5' },
    });
    const warnings: string[] = [];
    const link = createBrokerLink({
      url: `mqtt://127.0.0.1:${slow.broker.addresses.mqtt}`,
      secret: SERVICE_SECRET,
      log: pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) }),
    });
    try {
      await link.ready();
      const received: string[] = [];
      const listener = await slow.mqttService();
      listener.on('message', (_topic, payload) => received.push(payload.toString()));
      await listener.subscribeAsync('devices/rate/noise', { qos: 1 });
      const count = 25;
      const outcomes = await Promise.allSettled(
        Array.from({ length: count }, (_, index) =>
          link.publish('devices/rate/noise', String(index), { qos: 1 }),
        ),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      await expect.poll(() => received.length).toBe(count);
      expect([...received].sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: count }, (_, index) => String(index)),
      );
      expect(warnings).toEqual([]);
    } finally {
      await link.close();
      await slow.close();
    }
  });
});
