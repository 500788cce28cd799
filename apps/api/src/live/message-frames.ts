import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import type { BrokerMessage } from '../broker-link.ts';

export interface EncodedMessage {
  /** The `message` frame as UTF-8, encoded once however many dashboards receive it. */
  frame: Buffer;
  /** The payload parsed as JSON; undefined when it is not JSON (then sent as a string). */
  json: unknown;
}

const encoded = new WeakMap<BrokerMessage, EncodedMessage>();

/** The frame for a broker message, built on first use and shared by every socket. */
export function encodeMessage(message: BrokerMessage): EncodedMessage {
  let result = encoded.get(message);
  if (result) return result;
  const text = message.payload.toString('utf8');
  let json: unknown;
  let payloadJson: string;
  try {
    json = JSON.parse(text);
    payloadJson = text;
  } catch {
    json = undefined;
    payloadJson = JSON.stringify(text);
  }
  result = {
    frame: Buffer.from(
      `{"type":"message","topic":${JSON.stringify(message.topic)},"payload":${payloadJson},"ts":${message.receivedAt}}`,
    ),
    json,
  };
  encoded.set(message, result);
  return result;
}

/** A `message` frame for one stored reading, as history. */
export function historyFrame(topic: string, row: TelemetryRow): string {
  return JSON.stringify({
    type: 'message',
    topic,
    payload: { ts: row.ts, seq: row.seq, metrics: row.metrics },
  });
}

export const readingKey = (reading: { ts: number; seq: number }): string =>
  `${reading.ts}:${reading.seq}`;
