import { alarmsTopic } from '@twinwire/schemas/topics';
import type { AlarmEvent } from '@twinwire/schemas/alarms';

/** How an alarm transition goes out on MQTT: `alarms/{deviceId}`, QoS 1, not retained. */
export function alarmEventPacket(event: AlarmEvent) {
  return {
    cmd: 'publish' as const,
    topic: alarmsTopic(event.data.deviceId),
    payload: Buffer.from(JSON.stringify(event)),
    qos: 1 as const,
    retain: false,
    dup: false,
  };
}
