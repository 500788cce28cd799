import { describeRefusal, isTaken, type IngestOutcome } from '@twinwire/devices/outcomes';
import { errorFrame } from '../live/frames.ts';

/**
 * A device-core outcome as the WebSocket device protocol says it: `ack` for a telemetry frame
 * taken (stored, or stored before), an `error` frame with the refusal's stable code otherwise
 * (the same code an MQTT device hears: `TWW_NOT_STORED` when the database refused the readings).
 */
export function outcomeFrame(outcome: IngestOutcome, frameId: string): string {
  // [delivery guarantee] the ack means committed, as PUBACK does for QoS 1 over MQTT.
  if (isTaken(outcome)) return JSON.stringify({ type: 'ack', id: frameId });
  const { code, message } = describeRefusal(outcome);
  return errorFrame(code, message, frameId);
}
