import type { Client, PublishPacket } from 'aedes';
import type { NotifyDevice } from '../device-errors.ts';
import type { Session } from '../sessions.ts';

// MQTT 5.0 §2.4 reason codes a PUBACK/PUBREC may carry [MQTT-3.4.2.1].
export const UNSPECIFIED_ERROR = 0x80;
export const NOT_AUTHORIZED = 0x87;
export const TOPIC_NAME_INVALID = 0x90;
export const QUOTA_EXCEEDED = 0x97;
export const PAYLOAD_FORMAT_INVALID = 0x99;
/** SUBACK's: a filter the broker will not take as it is. */
export const TOPIC_FILTER_INVALID = 0x8f;

/** Why the platform did not take a PUBLISH: its stable code and words, and its MQTT 5.0 code. */
export interface Refusal {
  code: string;
  message: string;
  reasonCode: number;
}

/**
 * Where refused publishes go. [MQTT-3.3.5-2] a server that does not authorize a PUBLISH must
 * acknowledge it or close the connection; we acknowledge (the client stays connected) and
 * route the packet to a topic no rule lets anyone subscribe to. Rewriting the packet, rather
 * than flagging it in memory, keeps it dropped on every broker of a cluster.
 */
export const DROPPED_TOPIC = '$twinwire/dropped';

/** aedes' authorizePublish callback. */
type Decide = (error?: Error | null) => void;

export type Refuse = ReturnType<typeof createRefusals>;

/**
 * Tells a client that its PUBLISH was refused, in the terms its protocol has. An MQTT 5.0
 * QoS 1/2 PUBLISH is answered with a PUBACK/PUBREC carrying the reason code and, where the
 * client did not turn problem information off, the reason as Reason String (aedes' part).
 * An MQTT 3.1.1 one, and a QoS 0 one of either version (it has no acknowledgement), is
 * acknowledged and dropped, and a device told on `devices/{id}/errors`.
 */
export function createRefusals(notify: NotifyDevice) {
  return function refuse(
    client: Client,
    session: Session,
    packet: PublishPacket,
    refusal: Refusal,
    decide: Decide,
  ): void {
    if (client.version === 5 && packet.qos > 0) {
      decide(
        Object.assign(new Error(`${refusal.code}: ${refusal.message}`), {
          reasonCode: refusal.reasonCode,
        }),
      );
      return;
    }
    if (session.principal.kind === 'device') notify(session.principal.id, refusal, packet.topic);
    packet.topic = DROPPED_TOPIC;
    packet.payload = Buffer.alloc(0);
    packet.retain = false;
    decide(null);
  };
}
