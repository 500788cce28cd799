/**
 * The theoretical minimum bytes each protocol puts on the wire for one message, to show
 * beside what the lab counts at the socket. TCP/IP headers are below the socket and not
 * counted on either side.
 */

/** MQTT remaining-length field: 7 bits per byte, at most 4 bytes [MQTT-2.2.3]. */
export function mqttRemainingLengthBytes(remaining: number): number {
  if (remaining < 128) return 1;
  if (remaining < 16_384) return 2;
  if (remaining < 2_097_152) return 3;
  return 4;
}

/**
 * A whole MQTT 3.1.1 PUBLISH: fixed header (1 byte + remaining length), topic (2-byte
 * length + UTF-8), packet identifier for QoS 1/2 [MQTT-3.3.2-2], payload.
 */
export function mqttPublishBytes(topicBytes: number, payloadBytes: number, qos: 0 | 1 | 2): number {
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  return 1 + mqttRemainingLengthBytes(remaining) + remaining;
}

/** MQTT 5 Topic Alias property: identifier 0x23 + Two Byte Integer (MQTT 5.0 §3.3.2.3.4). */
const MQTT5_TOPIC_ALIAS_PROPERTY_BYTES = 3;

/**
 * A whole MQTT 5 PUBLISH: as 3.1.1 plus the property length (a variable byte integer) and
 * the properties (MQTT 5.0 §3.3.2.3). With a topic alias already set up, the topic name is empty
 * (its 2-byte length remains) and the only property is the alias (§3.3.2.3.4).
 */
export function mqtt5PublishBytes(
  topicBytes: number,
  payloadBytes: number,
  qos: 0 | 1 | 2,
  options: { topicAlias: boolean },
): number {
  const properties = options.topicAlias ? MQTT5_TOPIC_ALIAS_PROPERTY_BYTES : 0;
  const topic = options.topicAlias ? 0 : topicBytes;
  const remaining =
    2 +
    topic +
    (qos > 0 ? 2 : 0) +
    mqttRemainingLengthBytes(properties) +
    properties +
    payloadBytes;
  return 1 + mqttRemainingLengthBytes(remaining) + remaining;
}

/**
 * A WebSocket frame header (RFC 6455 §5.2): 2 bytes, +2 for 126–65,535 bytes of payload,
 * +8 beyond; a client's frames carry a 4-byte masking key [RFC 6455 §5.3].
 */
export function wsFrameHeaderBytes(payloadBytes: number, masked: boolean): number {
  const length = payloadBytes <= 125 ? 2 : payloadBytes <= 65_535 ? 4 : 10;
  return length + (masked ? 4 : 0);
}

/** TLS 1.3 largest record plaintext (RFC 8446 §5.1). */
const TLS_MAX_RECORD_PLAINTEXT = 16_384;
/** TLS 1.3 per-record overhead with AES-GCM/ChaCha20: 5-byte header, 1-byte inner type, 16-byte tag. */
const TLS13_RECORD_OVERHEAD = 22;

/** Bytes of `plaintext` once sealed into the fewest TLS 1.3 records. */
export function tlsRecordBytes(plaintext: number): number {
  const records = Math.max(1, Math.ceil(plaintext / TLS_MAX_RECORD_PLAINTEXT));
  return plaintext + records * TLS13_RECORD_OVERHEAD;
}

/** `mqtt5`: MQTT 5 over TCP, its PUBLISHes carrying a topic alias instead of the topic. */
type WireProtocol = 'ws' | 'mqtt' | 'mqtt5' | 'mqtt-ws';

export interface MessageShape {
  protocol: WireProtocol;
  tls: boolean;
  payloadBytes: number;
  /** MQTT topic length in bytes (ignored for raw WebSocket). */
  topicBytes: number;
  qos: 0 | 1 | 2;
  /** Client → server frames are masked; server → client frames are not. */
  direction: 'up' | 'down';
}

/** The fewest bytes one message of this shape can take on the wire (payload included). */
export function minimumMessageBytes(shape: MessageShape): number {
  const masked = shape.direction === 'up';
  let bytes: number;
  switch (shape.protocol) {
    case 'ws':
      bytes = shape.payloadBytes + wsFrameHeaderBytes(shape.payloadBytes, masked);
      break;
    case 'mqtt':
      bytes = mqttPublishBytes(shape.topicBytes, shape.payloadBytes, shape.qos);
      break;
    case 'mqtt5':
      bytes = mqtt5PublishBytes(shape.topicBytes, shape.payloadBytes, shape.qos, {
        topicAlias: true,
      });
      break;
    case 'mqtt-ws': {
      const packet = mqttPublishBytes(shape.topicBytes, shape.payloadBytes, shape.qos);
      bytes = packet + wsFrameHeaderBytes(packet, masked);
      break;
    }
  }
  return shape.tls ? tlsRecordBytes(bytes) : bytes;
}

/** The protocol's own share of one message: minimum bytes minus the payload. */
export function minimumOverheadBytes(shape: MessageShape): number {
  return minimumMessageBytes(shape) - shape.payloadBytes;
}
