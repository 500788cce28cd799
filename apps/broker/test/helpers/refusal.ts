import mqtt from 'mqtt';

/**
 * Connects expecting refusal; resolves with the CONNACK return code (MQTT 5.0: reason code),
 * or 'closed' when the connection closed without one.
 */
export function refusal(url: string, options: mqtt.IClientOptions): Promise<number | 'closed'> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.end(true);
      reject(new Error('connection was accepted'));
    });
    client.once('error', (error) => {
      client.end(true);
      const code = (error as Error & { code?: unknown }).code;
      resolve(typeof code === 'number' ? code : 'closed');
    });
    client.once('close', () => {
      resolve('closed');
    });
  });
}
