import type { MqttClient } from 'mqtt';

/** The SUBACK return codes for these filters; 128 (0x80) marks a refused one [MQTT-3.9.3-2]. */
export async function grantedQos(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters)).map((grant) => grant.qos);
  } catch (error) {
    // mqtt.js rejects a SUBACK that refused anything; the codes are on the packet.
    const granted = (error as { packet?: { granted?: (number | { qos: number })[] } }).packet
      ?.granted;
    if (!granted) throw error;
    return granted.map((grant) => (typeof grant === 'number' ? grant : grant.qos));
  }
}
