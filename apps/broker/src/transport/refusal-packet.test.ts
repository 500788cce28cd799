import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { refusalPacket } from './refusal-packet.ts';

function parse(bytes: Buffer): mqttPacket.Packet {
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const packets: mqttPacket.Packet[] = [];
  parser.on('packet', (packet) => packets.push(packet));
  parser.on('error', (error) => {
    throw error;
  });
  parser.parse(bytes);
  expect(packets).toHaveLength(1);
  return packets[0] as mqttPacket.Packet;
}

describe('refusalPacket', () => {
  it('encodes a CONNACK and a DISCONNECT an MQTT 5.0 parser reads back (MQTT 5.0 §3.2, §3.14)', () => {
    expect(parse(refusalPacket('connack', 0x95, 'too large', 0))).toMatchObject({
      cmd: 'connack',
      sessionPresent: false,
      reasonCode: 0x95,
      properties: { reasonString: 'too large' },
    });
    expect(parse(refusalPacket('disconnect', 0x81, 'bad', 0))).toMatchObject({
      cmd: 'disconnect',
      reasonCode: 0x81,
      properties: { reasonString: 'bad' },
    });
  });

  it('cuts a long Reason String at a character boundary, never inside one', () => {
    const packet = parse(refusalPacket('disconnect', 0x82, 'é'.repeat(80), 0));
    expect(packet).toMatchObject({ properties: { reasonString: 'é'.repeat(50) } });
  });

  it('leaves the Reason String out rather than exceed the client’s Maximum Packet Size [MQTT-3.1.2-25]', () => {
    const bytes = refusalPacket('disconnect', 0x95, 'a reason', 10);
    expect(bytes.length).toBeLessThanOrEqual(10);
    expect(parse(bytes)).not.toHaveProperty('properties.reasonString');
  });
});
