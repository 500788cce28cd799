import { describe, expect, it } from 'vitest';
import { CLAIMS, judgeClaims, THRESHOLDS, VERDICT_RULES } from './claims.ts';
import type { LabFacts } from './context.ts';

const latency = (p50: number) => ({ count: 100, p50, p90: p50, p99: p50 * 2, max: p50 * 3 });

function verdictOf(facts: LabFacts, id: string) {
  return judgeClaims(facts).find((claim) => claim.id === id)!;
}

describe('claim verdicts', () => {
  it('judges every claim, in the architecture’s order, with a rule printed for each', () => {
    const claims = judgeClaims({});
    expect(claims.map((c) => c.id)).toEqual(Object.keys(CLAIMS));
    expect(claims.every((c) => c.verdict === 'not-measured')).toBe(true);
    expect(VERDICT_RULES.map((r) => r.id)).toEqual(Object.keys(CLAIMS));
  });

  it('latency: held when WebSocket is faster in every comparison, mixed when in some', () => {
    const faster = {
      idle: { ws: latency(0.1), mqtt: latency(0.4) },
      load: { ws: latency(0.3), mqtt: latency(1.2) },
    };
    expect(verdictOf({ latency: faster }, 'latency').verdict).toBe('held');
    const split = {
      idle: { ws: latency(0.1), mqtt: latency(0.4) },
      load: { ws: latency(2), mqtt: latency(1.2) },
    };
    expect(verdictOf({ latency: split }, 'latency').verdict).toBe('mixed');
    const slower = { idle: { ws: latency(1), mqtt: latency(0.4) }, load: {} };
    expect(verdictOf({ latency: slower }, 'latency').verdict).toBe('did-not-hold');
    expect(verdictOf({ latency: faster }, 'latency').evidence).toContain('4.00×');
  });

  it('wire size: mixed when the handshake is larger for WebSocket but MQTT pays for its topic', () => {
    const facts: LabFacts = {
      wire: {
        handshake: { ws: { written: 228, read: 129 }, mqtt: { written: 42, read: 4 } },
        smallMessage: {
          ws: { bytes: 22, overhead: 6, minimum: 22, topicBytes: 0 },
          mqtt: { bytes: 53, overhead: 37, minimum: 53, topicBytes: 33 },
        },
      },
    };
    expect(verdictOf(facts, 'wire-size').verdict).toBe('mixed');
  });

  it('wire size: judges MQTT 5 with a topic alias when it was measured, and names both versions', () => {
    const base = {
      handshake: { ws: { written: 228, read: 129 }, mqtt: { written: 42, read: 4 } },
      smallMessage: {
        ws: { bytes: 22, overhead: 6, minimum: 22, topicBytes: 0 },
        mqtt: { bytes: 53, overhead: 37, minimum: 53, topicBytes: 33 },
      },
    };
    const leaner: LabFacts = {
      wire: {
        ...base,
        smallMessage: {
          ...base.smallMessage,
          mqtt5: { bytes: 21, overhead: 5, minimum: 21, topicBytes: 33 },
        },
      },
    };
    const verdict = verdictOf(leaner, 'wire-size');
    expect(verdict.verdict).toBe('held');
    expect(verdict.evidence).toContain('MQTT/TCP 3.1.1 37 B');
    expect(verdict.evidence).toContain('MQTT 5/TCP with a topic alias 5 B');
    const aliasStillLarger: LabFacts = {
      wire: {
        ...base,
        smallMessage: {
          ...base.smallMessage,
          mqtt5: { bytes: 24, overhead: 8, minimum: 24, topicBytes: 33 },
        },
      },
    };
    expect(verdictOf(aliasStillLarger, 'wire-size').verdict).toBe('mixed');
  });

  it('reliability: did not hold as soon as QoS 1 loses a reading', () => {
    const row = (
      variant: NonNullable<LabFacts['reliability']>[number]['variant'],
      lost: number,
      duplicates = 0,
    ) => ({
      variant,
      sent: 100,
      lost,
      duplicates,
      settled: true,
    });
    const base = [
      row('ws-no-ack', 3),
      row('ws-acked', 0),
      row('mqtt-qos0', 5),
      row('mqtt-qos1', 0, 2),
      row('mqtt-qos2', 0),
    ];
    expect(verdictOf({ reliability: base }, 'reliability').verdict).toBe('held');
    const lossy = base.map((r) => (r.variant === 'mqtt-qos1' ? { ...r, lost: 1 } : r));
    expect(verdictOf({ reliability: lossy }, 'reliability').verdict).toBe('did-not-hold');
    const calm = base.map((r) => (r.variant === 'ws-no-ack' ? { ...r, lost: 0 } : r));
    expect(verdictOf({ reliability: calm }, 'reliability').verdict).toBe('mixed');
  });

  it('security: mixed when the ACL check costs more than its threshold of a message', () => {
    const security = {
      handshakeMs: { ws: 1, wss: 3, mqtt: 1, mqtts: 3 },
      handshakeBytes: {},
      aclNanosPerCheck: 1_000,
      brokerMicrosPerMessage: 10,
      aclDenied: true,
      tlsWorked: true,
    };
    expect(1 / 10).toBeGreaterThan(THRESHOLDS.aclShareOfMessageCpu);
    expect(verdictOf({ security }, 'security').verdict).toBe('mixed');
    expect(
      verdictOf({ security: { ...security, aclNanosPerCheck: 100 } }, 'security').verdict,
    ).toBe('held');
    expect(verdictOf({ security: { ...security, aclDenied: false } }, 'security').verdict).toBe(
      'did-not-hold',
    );
  });

  it('pattern: held only with nothing lost and p99 within the threshold', () => {
    const lane = (p99: number, lost: number) => ({
      summary: { ...latency(1), p99 },
      sent: 100,
      lost,
    });
    const held = { mqttDevice: lane(20, 0), wsDevice: lane(20, 0) };
    expect(verdictOf({ endToEnd: held }, 'pattern').verdict).toBe('held');
    const slow = { mqttDevice: lane(THRESHOLDS.patternP99Ms + 1, 0), wsDevice: lane(20, 0) };
    expect(verdictOf({ endToEnd: slow }, 'pattern').verdict).toBe('did-not-hold');
    expect(verdictOf({ endToEnd: { ...held, mqttDevice: lane(20, 1) } }, 'pattern').verdict).toBe(
      'did-not-hold',
    );
  });

  it('fan-out and connections: two checks each, both needed for held', () => {
    const fanOut = [
      {
        subscribers: 1000,
        ws: { p99: 9, cpuMicrosPerDelivery: 4, lost: 0 },
        mqtt: { p99: 5, cpuMicrosPerDelivery: 2, lost: 0 },
      },
    ];
    expect(verdictOf({ fanOut }, 'fan-out').verdict).toBe('held');
    expect(
      verdictOf(
        { fanOut: [{ ...fanOut[0]!, mqtt: { p99: 20, cpuMicrosPerDelivery: 2, lost: 0 } }] },
        'fan-out',
      ).verdict,
    ).toBe('mixed');
    const facts: LabFacts = {
      throughput: {
        ws: { fixedMsgsPerSecond: 1000, cpuMicrosPerMessage: 5, maxMsgsPerSecond: 90_000 },
        mqtt: { fixedMsgsPerSecond: 1000, cpuMicrosPerMessage: 15, maxMsgsPerSecond: 30_000 },
      },
      connections: { count: 10_000, bytesPerConnection: { ws: 3_000, mqtt: 9_000 } },
    };
    expect(verdictOf(facts, 'connections').verdict).toBe('mixed');
  });
});
