import { describeRefusal, type IngestRefusal } from '@twinwire/devices/outcomes';
import {
  NOT_AUTHORIZED,
  PAYLOAD_FORMAT_INVALID,
  QUOTA_EXCEEDED,
  UNSPECIFIED_ERROR,
  type Refusal,
} from '../access/refusal.ts';

// MQTT 5.0 §2.4: the PUBACK/PUBREC reason code of each refusal the device core returns.
const REASON_CODES: Record<IngestRefusal['kind'], number> = {
  invalid: PAYLOAD_FORMAT_INVALID,
  denied: NOT_AUTHORIZED,
  unavailable: UNSPECIFIED_ERROR,
  'rate-limited': QUOTA_EXCEEDED,
};

/**
 * A device-core refusal in MQTT terms: its stable code and words (the same a WebSocket device
 * gets in an error frame) and the reason code an MQTT 5.0 client is answered with. The
 * answer itself (reason code, or `devices/{id}/errors` for 3.1.1 and QoS 0) is refusal.ts'.
 */
export function mqttRefusal(refusal: IngestRefusal): Refusal {
  return { ...describeRefusal(refusal), reasonCode: REASON_CODES[refusal.kind] };
}
