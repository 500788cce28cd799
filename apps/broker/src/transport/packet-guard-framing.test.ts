import { once } from 'node:events';
import fc from 'fast-check';
import { generate } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { GuardViolation } from './guard-violation.ts';
import { createPacketGuard } from './packet-guard.ts';
import type { PacketGuardOptions } from './packet-guard.ts';
import { connect, frame, PINGREQ, publish } from '../../test/helpers/transport-packets.ts';

const LIMITS = { maxPacketBytes: 256 * 1024, maxConnectPacketBytes: 8 * 1024 };

/** Writes `chunks` through a lone guard and collects what it lets out, chunk by chunk. */
async function throughGuard(chunks: Buffer[], options: Partial<PacketGuardOptions> = {}) {
  const violations: GuardViolation[] = [];
  const guard = createPacketGuard({
    ...LIMITS,
    ...options,
    onViolation: (violation) => violations.push(violation),
  });
  const output: Buffer[] = [];
  guard.on('data', (chunk: Buffer) => output.push(chunk));
  guard.on('error', () => undefined);
  for (const chunk of chunks) guard.write(chunk);
  guard.end();
  // Not events.once: it rejects on the 'error' a violation emits.
  await new Promise((resolve) => guard.once('close', resolve));
  return { output, violations };
}

const topicName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((topic) => !topic.includes('\u0000') && !topic.includes('+') && !topic.includes('#'));

const clientPacket: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    cmd: fc.constant('publish' as const),
    topic: topicName,
    payload: fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
    qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
    retain: fc.boolean(),
    dup: fc.constant(false),
    messageId: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.record({
    cmd: fc.constant('subscribe' as const),
    messageId: fc.integer({ min: 1, max: 65535 }),
    subscriptions: fc.array(
      fc.record({ topic: topicName, qos: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
      { minLength: 1, maxLength: 3 },
    ),
  }),
  fc.record({
    cmd: fc.constant('unsubscribe' as const),
    messageId: fc.integer({ min: 1, max: 65535 }),
    unsubscriptions: fc.array(topicName, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    cmd: fc.constantFrom(
      'puback' as const,
      'pubrec' as const,
      'pubrel' as const,
      'pubcomp' as const,
    ),
    messageId: fc.integer({ min: 1, max: 65535 }),
  }),
  fc.constant({ cmd: 'pingreq' as const }),
);

/** A CONNECT followed by valid packets, as one byte sequence. */
const session = fc
  .record({
    clientId: fc.string({ unit: 'grapheme', maxLength: 23 }).filter((id) => !id.includes('\u0000')),
    packets: fc.array(clientPacket, { maxLength: 12 }),
  })
  .map(({ clientId, packets }) =>
    Buffer.concat([
      generate({ cmd: 'connect', clientId, protocolVersion: 4, clean: true, keepalive: 60 }),
      ...packets.map((packet) => generate(packet)),
      generate({ cmd: 'disconnect' }),
    ]),
  );

/** Cuts `bytes` at the given offsets (any order, duplicates allowed). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

describe('packet guard framing', () => {
  it('passes valid packets unchanged however the bytes are split across chunks', async () => {
    await fc.assert(
      fc.asyncProperty(session, fc.array(fc.nat(), { maxLength: 40 }), async (bytes, cuts) => {
        const { output, violations } = await throughGuard(split(bytes, cuts));
        expect(violations).toEqual([]);
        expect(Buffer.concat(output).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('passes valid packets unchanged when every byte arrives on its own', async () => {
    const bytes = Buffer.concat([
      connect(),
      publish('a/b', Buffer.alloc(300, 1), 1),
      PINGREQ,
      publish('température/°C', Buffer.from('21')),
    ]);
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    const { output, violations } = await throughGuard(chunks);
    expect(violations).toEqual([]);
    expect(Buffer.concat(output).equals(bytes)).toBe(true);
  });

  it('lets a chunk of several complete packets out as one chunk, without copying', async () => {
    const chunk = Buffer.concat([
      connect(),
      ...Array.from({ length: 50 }, () => publish('t', Buffer.alloc(20))),
    ]);
    const { output } = await throughGuard([chunk]);
    expect(output).toHaveLength(1);
    expect(output[0]).toBe(chunk);
  });

  it('lets out the complete packets of a chunk as one slice and holds back the partial one', async () => {
    const whole = Buffer.concat([
      connect(),
      publish('t', Buffer.alloc(10)),
      publish('t', Buffer.alloc(10)),
    ]);
    const cut = whole.length - 5;
    const { output } = await throughGuard([whole.subarray(0, cut), whole.subarray(cut)]);
    expect(output).toHaveLength(2);
    expect(output[0]!.buffer).toBe(whole.buffer); // a view on the input, not a copy
    expect(Buffer.concat(output).equals(whole)).toBe(true);
  });

  it('judges a header split across chunks by its size before the body arrives (MQTT 3.1.1 §2.2.3)', async () => {
    // A CONNECT claiming 256 MiB, one header byte per chunk.
    const { output, violations } = await throughGuard([
      Buffer.from([0x10]),
      Buffer.from([0xff]),
      Buffer.from([0xff]),
      Buffer.from([0xff]),
      Buffer.from([0x7f]),
      Buffer.alloc(1024),
    ]);
    expect(violations.map((violation) => violation.code)).toEqual(['CONNECT_TOO_LARGE']);
    expect(output).toEqual([]);
  });

  it('rejects a fifth Remaining Length byte even when the header arrives byte by byte (MQTT 3.1.1 §2.2.3)', async () => {
    const header = [0x10, 0x80, 0x80, 0x80, 0x80, 0x01];
    const { violations } = await throughGuard(header.map((byte) => Buffer.from([byte])));
    expect(violations.map((violation) => violation.code)).toEqual(['MALFORMED_REMAINING_LENGTH']);
  });

  it('accepts the largest packet that fits the limit and rejects one byte more', async () => {
    const limit = 1000;
    const fits = publish('t', Buffer.alloc(limit - 6)); // 2 header + 4 topic field
    expect(fits).toHaveLength(limit);
    const accepted = await throughGuard([connect(), fits], { maxPacketBytes: limit });
    expect(accepted.violations).toEqual([]);
    const rejected = await throughGuard([connect(), publish('t', Buffer.alloc(limit - 5))], {
      maxPacketBytes: limit,
    });
    expect(rejected.violations.map((violation) => violation.code)).toEqual(['PACKET_TOO_LARGE']);
  });

  it('validates a packet assembled from several chunks like any other ([MQTT-3.3.2-2])', async () => {
    const bad = publish('a/#', Buffer.alloc(100));
    const { violations, output } = await throughGuard([
      connect(),
      bad.subarray(0, 3),
      bad.subarray(3, 50),
      bad.subarray(50),
    ]);
    expect(violations.map((violation) => violation.code)).toEqual(['WILDCARD_IN_PUBLISH_TOPIC']);
    expect(Buffer.concat(output).equals(connect())).toBe(true);
  });

  it('still closes, with the callback error, when onViolation throws', async () => {
    const guard = createPacketGuard({
      ...LIMITS,
      onViolation: () => {
        throw new Error('metrics are down');
      },
    });
    const closed = new Promise<Error>((resolve) => guard.once('error', resolve));
    guard.write(PINGREQ);
    expect((await closed).message).toBe('metrics are down');
    expect(guard.destroyed).toBe(true);
  });

  it('spends rate-limit tokens on PUBLISH only and holds the rest of the chunk until one is due', async () => {
    const packets = Buffer.concat([
      connect(),
      publish('t'),
      PINGREQ,
      frame(0x82, Buffer.from([0, 1]), Buffer.from([0, 1, 0x74, 0])), // SUBSCRIBE t
      PINGREQ,
      publish('t'),
    ]);
    const guard = createPacketGuard({ ...LIMITS, maxPublishesPerSecond: 1 });
    const arrivals: { bytes: number; at: number }[] = [];
    const started = performance.now();
    guard.on('data', (chunk: Buffer) =>
      arrivals.push({ bytes: chunk.length, at: performance.now() - started }),
    );
    guard.end(packets);
    await once(guard, 'end');
    const last = publish('t').length;
    expect(arrivals.map((arrival) => arrival.bytes)).toEqual([packets.length - last, last]);
    expect(arrivals[0]!.at).toBeLessThan(500);
    expect(arrivals[1]!.at).toBeGreaterThanOrEqual(900);
  });
});
