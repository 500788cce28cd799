import { describe, expect, it } from 'vitest';
import {
  minimumMessageBytes,
  minimumOverheadBytes,
  mqtt5PublishBytes,
  mqttPublishBytes,
  mqttRemainingLengthBytes,
  tlsRecordBytes,
  wsFrameHeaderBytes,
} from './wire-math.ts';

describe('MQTT PUBLISH size', () => {
  it('encodes the remaining length in 1–4 bytes at the spec boundaries [MQTT-2.2.3]', () => {
    expect(
      [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152].map(mqttRemainingLengthBytes),
    ).toEqual([1, 1, 2, 2, 3, 3, 4]);
  });

  it('is fixed header + topic length prefix + topic + payload, plus a packet id above QoS 0', () => {
    // "a/b" with 5 bytes: 1 + 1 + (2 + 3 + 5)
    expect(mqttPublishBytes(3, 5, 0)).toBe(12);
    expect(mqttPublishBytes(3, 5, 1)).toBe(14);
    expect(mqttPublishBytes(3, 5, 2)).toBe(14);
    // 200-byte payload: remaining length 205 needs two bytes
    expect(mqttPublishBytes(3, 200, 0)).toBe(1 + 2 + 205);
  });
});

describe('MQTT 5 PUBLISH size', () => {
  it('adds a property length byte to the 3.1.1 PUBLISH when it carries no property (MQTT 5.0 §3.3.2.3.1)', () => {
    expect(mqtt5PublishBytes(3, 5, 0, { topicAlias: false })).toBe(mqttPublishBytes(3, 5, 0) + 1);
    expect(mqtt5PublishBytes(3, 5, 1, { topicAlias: false })).toBe(mqttPublishBytes(3, 5, 1) + 1);
  });

  it('with a topic alias: empty topic, 1-byte property length and 3-byte alias (MQTT 5.0 §3.3.2.3.4)', () => {
    // 1 fixed + 1 remaining length + (2 topic length + 0 topic + 1 + 3 alias + 16 payload)
    expect(mqtt5PublishBytes(33, 16, 0, { topicAlias: true })).toBe(24);
    // The overhead no longer depends on the topic: 8 B at QoS 0, whatever its length.
    expect(mqtt5PublishBytes(200, 16, 0, { topicAlias: true }) - 16).toBe(8);
    expect(mqttPublishBytes(33, 16, 0) - 16).toBe(37);
  });
});

describe('WebSocket frame header', () => {
  it('is 2, 4 or 10 bytes by payload length, plus a 4-byte mask from clients', () => {
    expect(wsFrameHeaderBytes(125, false)).toBe(2);
    expect(wsFrameHeaderBytes(126, false)).toBe(4);
    expect(wsFrameHeaderBytes(65_535, false)).toBe(4);
    expect(wsFrameHeaderBytes(65_536, false)).toBe(10);
    expect(wsFrameHeaderBytes(16, true)).toBe(6);
  });
});

describe('TLS 1.3 records', () => {
  it('adds 22 bytes per record of up to 16 KiB', () => {
    expect(tlsRecordBytes(0)).toBe(22);
    expect(tlsRecordBytes(16_384)).toBe(16_384 + 22);
    expect(tlsRecordBytes(16_385)).toBe(16_385 + 44);
  });
});

describe('minimum bytes per message', () => {
  const shape = { payloadBytes: 16, topicBytes: 10, qos: 0 as const, tls: false };

  it('puts a raw WebSocket message at payload + header (+ mask going up)', () => {
    expect(minimumMessageBytes({ ...shape, protocol: 'ws', direction: 'up' })).toBe(22);
    expect(minimumMessageBytes({ ...shape, protocol: 'ws', direction: 'down' })).toBe(18);
  });

  it('wraps one MQTT packet in one WebSocket frame for MQTT over WebSocket', () => {
    const packet = mqttPublishBytes(10, 16, 0);
    expect(minimumMessageBytes({ ...shape, protocol: 'mqtt', direction: 'up' })).toBe(packet);
    expect(minimumMessageBytes({ ...shape, protocol: 'mqtt-ws', direction: 'up' })).toBe(
      packet + 6,
    );
  });

  it('seals the whole message in TLS records when TLS is on', () => {
    expect(minimumMessageBytes({ ...shape, tls: true, protocol: 'ws', direction: 'up' })).toBe(44);
    expect(minimumOverheadBytes({ ...shape, tls: true, protocol: 'ws', direction: 'up' })).toBe(28);
  });

  it('takes the topic alias form for MQTT 5', () => {
    expect(minimumMessageBytes({ ...shape, protocol: 'mqtt5', direction: 'up' })).toBe(
      mqtt5PublishBytes(10, 16, 0, { topicAlias: true }),
    );
  });

  it('is always more than the payload', () => {
    for (const protocol of ['ws', 'mqtt', 'mqtt5', 'mqtt-ws'] as const) {
      for (const payloadBytes of [0, 16, 65_536]) {
        for (const tls of [false, true]) {
          const bytes = minimumMessageBytes({
            ...shape,
            payloadBytes,
            protocol,
            tls,
            direction: 'down',
          });
          expect(bytes).toBeGreaterThan(payloadBytes);
        }
      }
    }
  });
});
