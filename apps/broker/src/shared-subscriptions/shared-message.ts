import type { AedesPublishPacket } from 'aedes';

/** A message of a shared subscription as brokers hand it to each other. */
export interface SharedMessage {
  /** The publishing broker's id and counter: the message's name across the cluster. */
  key: string;
  /** The publishing client's id ('' for the broker's own), for the sticky strategy. */
  publisher: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: AedesPublishPacket['properties'];
  /** aedes' absolute Message Expiry (epoch ms), kept for a message queued for later. */
  messageExpiry?: number;
}

type RoutedPacket = AedesPublishPacket & { clientId?: string; messageExpiry?: number };

/** What a shared delivery needs of a packet the emitter routed (never mutated: it is shared). */
export function sharedMessageOf(packet: AedesPublishPacket): SharedMessage {
  const routed = packet as RoutedPacket;
  return {
    key: `${routed.brokerId}:${routed.brokerCounter}`,
    publisher: routed.clientId ?? '',
    topic: routed.topic,
    payload: Buffer.isBuffer(routed.payload) ? routed.payload : Buffer.from(routed.payload),
    qos: routed.qos,
    retain: routed.retain,
    ...(routed.properties ? { properties: routed.properties } : {}),
    ...(routed.messageExpiry === undefined ? {} : { messageExpiry: routed.messageExpiry }),
  };
}

/** The group a delivery was made for, read by authorizeForward. */
export const SHARED_GROUP = 'twinwireSharedGroup';

export function sharedGroupOf(packet: AedesPublishPacket): string | undefined {
  return (packet as AedesPublishPacket & { [SHARED_GROUP]?: string })[SHARED_GROUP];
}
