import type { DeviceConnection } from '../api/devices-api.ts';
import { formatMqttVersion } from '../ui/format.ts';

/**
 * What a device speaks now: "MQTT 5.0", "MQTT 3.1.1", or the device WebSocket. The
 * connection comes from the API's last answer; when the live status has since said the
 * device went offline, that answer is out of date and nothing is claimed.
 */
export function connectionLabel(
  connection: DeviceConnection | null,
  liveOnline: boolean | undefined,
): string {
  if (!connection || liveOnline === false) return '—';
  if (connection.transport === 'websocket') return 'device WebSocket (no MQTT)';
  return connection.protocolVersion === null
    ? 'MQTT'
    : formatMqttVersion(connection.protocolVersion);
}
