/** MQTT 5 PUBACK reason code 0x97: the broker's MQTT_MAX_PUBLISH_RATE was exceeded. */
export const QUOTA_EXCEEDED = 0x97;

/** How long every publish waits after a 0x97: a second refills the broker's token bucket. */
export const QUOTA_PAUSE_MS = 1_000;

export interface QuotaPause {
  /** Resolves when no pause is in force. */
  clear(): Promise<void>;
  /** Holds every publish back for `ms` from now. */
  pause(ms: number): void;
}

/**
 * Over MQTT 3.1.1 the broker slowed the link's reads past its publish rate; over MQTT 5 it
 * refuses the PUBLISH with 0x97 instead, and disconnects a client that keeps going at twice
 * the rate. The link answers a refusal by pausing all its publishes, then sending the refused
 * one again (it was not delivered), so a burst is slowed, not lost, as before.
 */
export function createQuotaPause(): QuotaPause {
  let until = 0;
  return {
    async clear() {
      for (let wait = until - Date.now(); wait > 0; wait = until - Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    },
    pause(ms) {
      until = Math.max(until, Date.now() + ms);
    },
  };
}
