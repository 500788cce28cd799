import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createBrokerLink } from '../src/broker-link.ts';
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
