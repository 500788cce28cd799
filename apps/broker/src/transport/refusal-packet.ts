const CONNACK = 0x20;
const DISCONNECT = 0xe0;
const REASON_STRING = 0x1f;
/** Keeps the Property Length and the Remaining Length to one byte each. */
const MAX_REASON_STRING_BYTES = 100;

/**
 * The MQTT 5.0 packet that tells a client why the broker closes its connection: a CONNACK
 * (§3.2) when the broker has not answered its CONNECT yet, else a DISCONNECT (§3.14), with
 * `reasonCode` and `reason` as Reason String. The Reason String is left out when the packet
 * would exceed the client's Maximum Packet Size (`maximumPacketSize`, 0 for none)
 * [MQTT-3.1.2-25]; CONNACK and DISCONNECT may carry one whatever the client's Request
 * Problem Information [MQTT-3.1.2-29].
 */
export function refusalPacket(
  packet: 'connack' | 'disconnect',
  reasonCode: number,
  reason: string,
  maximumPacketSize: number,
): Buffer {
  // CONNACK: Connect Acknowledge Flags (no session present), Reason Code. DISCONNECT: Reason Code.
  const variableHeader = packet === 'connack' ? [0x00, reasonCode] : [reasonCode];
  let text = utf8Prefix(reason, MAX_REASON_STRING_BYTES);
  const size = (reasonBytes: number) =>
    2 + variableHeader.length + 1 + (reasonBytes > 0 ? 3 + reasonBytes : 0);
  if (maximumPacketSize > 0 && size(text.length) > maximumPacketSize) text = Buffer.alloc(0);
  const properties =
    text.length > 0 ? [REASON_STRING, text.length >> 8, text.length & 0xff, ...text] : [];
  return Buffer.from([
    packet === 'connack' ? CONNACK : DISCONNECT,
    size(text.length) - 2,
    ...variableHeader,
    properties.length,
    ...properties,
  ]);
}

/** The UTF-8 bytes of `text`, cut at a character boundary to at most `max` bytes. */
function utf8Prefix(text: string, max: number): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return bytes;
  let end = max;
  // Back up over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
