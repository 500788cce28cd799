/** MQTT 5's Receive Maximum when the CONNACK leaves it out [MQTT-3.2.2.3.3]. */
export const MAX_RECEIVE_MAXIMUM = 65_535;

export interface InflightWindow {
  /** Resolves once fewer than `size` publishes are unacknowledged, taking one place. */
  acquire(): Promise<void>;
  /** Gives back a place taken by `acquire` (its PUBACK arrived, or the publish failed). */
  release(): void;
  /** The server's Receive Maximum of the current connection. */
  resize(size: number): void;
}

/**
 * A counting semaphore for unacknowledged QoS 1 publishes: an MQTT 5 client must not have
 * more than the server's Receive Maximum of them [MQTT-4.9.0-2]. Waiters are served in order.
 */
export function createInflightWindow(size = MAX_RECEIVE_MAXIMUM): InflightWindow {
  let limit = size;
  let taken = 0;
  const waiting: (() => void)[] = [];

  function wakeWithin(): void {
    while (taken < limit && waiting.length > 0) {
      taken += 1;
      waiting.shift()?.();
    }
  }

  return {
    acquire() {
      if (taken < limit && waiting.length === 0) {
        taken += 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        waiting.push(resolve);
      });
    },
    release() {
      taken -= 1;
      wakeWithin();
    },
    resize(next) {
      limit = next;
      wakeWithin();
    },
  };
}
