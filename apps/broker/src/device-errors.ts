import type { DeviceError } from '@twinwire/schemas/messages';
import { errorsTopic } from '@twinwire/schemas/topics';
import type { Aedes } from 'aedes';

export type NotifyDevice = (
  deviceId: string,
  error: Omit<DeviceError, 'topic'>,
  topic: string,
) => void;

/** Tells a device on `devices/{id}/errors` why the platform did not take its message. */
export function createDeviceNotifier(aedes: Aedes): NotifyDevice {
  return (deviceId, error, topic) => {
    const payload: DeviceError = {
      code: error.code,
      message: error.message,
      topic: printableTopic(topic),
    };
    aedes.publish(
      {
        cmd: 'publish',
        topic: errorsTopic(deviceId),
        payload: Buffer.from(JSON.stringify(payload)),
        qos: 0,
        retain: false,
        dup: false,
      },
      () => undefined,
    );
  };
}

/** DeviceError.topic is 1–256 printable ASCII characters (see @twinwire/schemas). */
function printableTopic(topic: string): string {
  const printable = topic.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
  return printable === '' ? '?' : printable;
}
