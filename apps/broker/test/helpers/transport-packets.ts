// Test support: MQTT 3.1.1 packets built byte by byte, valid or deliberately not.

/** A packet from its first byte (type and flags) and its body; the Remaining Length is computed. */
export function frame(firstByte: number, ...body: Uint8Array[]): Buffer {
  const content = Buffer.concat(body);
  return Buffer.concat([Buffer.from([firstByte]), encodeRemainingLength(content.length), content]);
}

/** The variable-length encoding of MQTT 3.1.1 §2.2.3. */
export function encodeRemainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let remaining = length;
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    bytes.push(byte);
  } while (remaining > 0);
  return Buffer.from(bytes);
}

/** A length-prefixed field; a string is UTF-8 encoded, bytes are taken as they are. */
export function field(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export interface ConnectFields {
  clientId?: string | Uint8Array;
  will?: { topic: string | Uint8Array; message?: string };
  username?: string | Uint8Array;
  password?: string;
  protocolLevel?: number;
}

export function connect(fields: ConnectFields = {}): Buffer {
  let flags = 0x02; // Clean Session
  const payload = [field(fields.clientId ?? 'client')];
  if (fields.will !== undefined) {
    flags |= 0x04;
    payload.push(field(fields.will.topic), field(fields.will.message ?? 'gone'));
  }
  if (fields.username !== undefined) {
    flags |= 0x80;
    payload.push(field(fields.username));
  }
  if (fields.password !== undefined) {
    flags |= 0x40;
    payload.push(field(fields.password));
  }
  const keepAlive = [0, 60];
  return frame(
    0x10,
    field('MQTT'),
    Buffer.from([fields.protocolLevel ?? 4, flags, ...keepAlive]),
    ...payload,
  );
}

export function publish(
  topic: string | Uint8Array,
  payload: Uint8Array = Buffer.alloc(0),
  qos: 0 | 1 = 0,
): Buffer {
  const packetId = qos === 0 ? [] : [Buffer.from([0, 1])];
  return frame(0x30 | (qos << 1), field(topic), ...packetId, payload);
}

export function subscribe(filter: string | Uint8Array, flags = 0b0010): Buffer {
  return frame(0x80 | flags, Buffer.from([0, 1]), field(filter), Buffer.from([0]));
}

export function unsubscribe(filter: string | Uint8Array, flags = 0b0010): Buffer {
  return frame(0xa0 | flags, Buffer.from([0, 2]), field(filter));
}

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);
