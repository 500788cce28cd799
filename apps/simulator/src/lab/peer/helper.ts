/**
 * The lab's helper process: the MQTT side of the round trip (an application subscribed
 * through the broker that answers every ping), and a TLS terminator in front of the
 * broker's MQTT-over-WebSocket port, since the broker serves that transport only in clear.
 */
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import type { HelperConfig } from './protocol.ts';

export interface Helper {
  terminatorPort: number;
  close(): Promise<void>;
}

export async function startHelper(config: HelperConfig): Promise<Helper> {
  const echo = await startMqttEcho(config.mqtt);
  const terminator = tls.createServer(
    { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) },
    (client) => {
      client.setNoDelay(true);
      const upstream = net.connect(config.terminateTo);
      upstream.setNoDelay(true);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    },
  );
  const terminatorPort = await new Promise<number>((resolve, reject) => {
    terminator.once('error', reject);
    terminator.listen(0, '127.0.0.1', () => {
      resolve((terminator.address() as AddressInfo).port);
    });
  });
  return {
    terminatorPort,
    async close() {
      await echo.endAsync(true);
      await new Promise<void>((resolve) =>
        terminator.close(() => {
          resolve();
        }),
      );
    },
  };
}

async function startMqttEcho(options: HelperConfig['mqtt']): Promise<MqttClient> {
  const client = await mqtt.connectAsync(options.url, {
    clientId: `user/lab-echo-${process.pid}`,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    reconnectPeriod: 1_000,
    keepalive: 120,
  });
  (client.stream as Partial<net.Socket>).setNoDelay?.(true);
  client.on('error', () => undefined);
  const [grant] = await client.subscribeAsync(`${options.echoPrefix}/+/ping`, { qos: 0 });
  if (grant === undefined || grant.qos === 128) {
    throw new Error(`the broker refused the echo subscription ${options.echoPrefix}/+/ping`);
  }
  client.on('message', (topic, payload) => {
    client.publish(`${topic.slice(0, -'ping'.length)}pong`, payload, { qos: 0 });
  });
  return client;
}
