import type { IClientPublishOptions, MqttClient } from 'mqtt';
import type { BrokerPublishOptions } from '../broker-link.ts';
import { createInflightWindow, MAX_RECEIVE_MAXIMUM } from './inflight-window.ts';
import { createQuotaPause, QUOTA_EXCEEDED, QUOTA_PAUSE_MS } from './quota-pause.ts';

/**
 * The link's publishes, within what the broker allows: its Receive Maximum bounds our
 * unacknowledged QoS 1 publishes [MQTT-4.9.0-2] (the broker disconnects with 0x93 past it;
 * mqtt.js does not enforce it on its side), and a 0x97 (publish rate) pauses every publish,
 * then sends the refused one again.
 */
export function createLinkPublisher(client: MqttClient) {
  const inflight = createInflightWindow();
  const quota = createQuotaPause();

  return {
    /** A new connection's CONNACK: its Receive Maximum applies from now on. */
    connected(receiveMaximum: number | undefined): void {
      inflight.resize(receiveMaximum ?? MAX_RECEIVE_MAXIMUM);
    },

    async publish(
      topic: string,
      payload: string | Buffer,
      options: BrokerPublishOptions,
    ): Promise<void> {
      const { qos, request } = options;
      const packetOptions: IClientPublishOptions = { qos, retain: options.retain ?? false };
      if (request) packetOptions.properties = { ...request };
      if (qos === 0) {
        await client.publishAsync(topic, payload, packetOptions);
        return;
      }
      for (;;) {
        await inflight.acquire();
        try {
          // After taking a place: publishes queued for one must also wait out a pause.
          await quota.clear();
          await client.publishAsync(topic, payload, packetOptions);
          return;
        } catch (error) {
          if ((error as { code?: unknown }).code !== QUOTA_EXCEEDED) throw error;
          quota.pause(QUOTA_PAUSE_MS);
        } finally {
          inflight.release();
        }
      }
    },
  };
}
