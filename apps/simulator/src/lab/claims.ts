/**
 * The seven claims of docs/architecture.md "Why it exists", each judged from the numbers the
 * scenarios left in LabFacts by an explicit rule. The thresholds and rule texts here are
 * printed in the report; no verdict is written anywhere else.
 */
import type { ClaimId, ClaimVerdict, Verdict } from '@twinwire/schemas/lab-report';
import type { LabFacts } from './context.ts';
import type { Transport } from './transports.ts';

export const THRESHOLDS = {
  /** Claim 6: the ACL check counts as cheap below this share of the broker's CPU per message. */
  aclShareOfMessageCpu: 0.05,
  /** Claim 7: device → dashboard p99 at or below this, with nothing lost. */
  patternP99Ms: 100,
} as const;

export const CLAIMS: Record<ClaimId, string> = {
  latency: 'WebSocket has lower latency point-to-point; MQTT adds a broker hop',
  'wire-size':
    'MQTT headers are smaller; the WebSocket handshake is larger; MQTT is leaner on the wire',
  connections:
    'WebSocket has high one-to-one throughput, but many WebSocket connections are costly on the server; an MQTT broker handles thousands of clients efficiently',
  'fan-out':
    'Broadcasting over WebSocket means the server loops over connections; an MQTT broker’s pub/sub fan-out is more efficient at scale',
  reliability:
    'MQTT gives QoS 0/1/2 and stateful sessions, so messages survive disconnects on bad networks; WebSocket needs application-level acknowledgements',
  security:
    'Both run over TLS; MQTT brokers authenticate clients and enforce per-topic ACLs centrally',
  pattern: 'The common pattern: devices speak MQTT, dashboards get WebSocket pushes',
};

export const VERDICT_RULES: { id: ClaimId; rule: string }[] = [
  {
    id: 'latency',
    rule: 'compare round-trip p50 of WebSocket direct against MQTT via the broker, in clear (ws vs mqtt) and with TLS (wss vs mqtts), one in flight and under load: held if WebSocket is lower in every comparison made, did not hold if in none, mixed otherwise.',
  },
  {
    id: 'wire-size',
    rule: 'two checks: (a) MQTT/TCP’s measured per-message overhead for a 16-byte payload (client → server) is below raw WebSocket’s, taking MQTT 5 with a topic alias when it was measured (the leanest PUBLISH a device can send) and MQTT 3.1.1 otherwise; (b) the WebSocket handshake (both directions) is larger than MQTT/TCP’s (3.1.1). Held if both, mixed if one, did not hold if neither.',
  },
  {
    id: 'connections',
    rule: 'two checks: (a) raw WebSocket’s saturated one-to-one msgs/s is at least MQTT/TCP’s; (b) server memory per idle connection is higher for raw WebSocket than for MQTT/TCP at the broker. Held if both, mixed if one, did not hold if neither.',
  },
  {
    id: 'fan-out',
    rule: 'at the largest subscriber count: (a) broker CPU per delivery is below the WebSocket server’s, (b) MQTT delivery p99 is at or below WebSocket’s. Held if both, mixed if one, did not hold if neither.',
  },
  {
    id: 'reliability',
    rule: 'through the fault proxy: held if MQTT QoS 1 and QoS 2 lost nothing, QoS 2 delivered nothing twice, the acknowledged WebSocket device protocol lost nothing, and WebSocket without acks lost something; did not hold if QoS 1 or QoS 2 lost readings; mixed otherwise (e.g. no loss without acks this run, so the need for acks was not shown).',
  },
  {
    id: 'security',
    rule: `held if TLS handshakes completed for WebSocket and MQTT, a subscription outside the ACL was refused, and one ACL check costs under ${THRESHOLDS.aclShareOfMessageCpu * 100}% of the broker’s CPU per routed message; mixed if only the cost is over that; did not hold if TLS failed or the ACL was not enforced.`,
  },
  {
    id: 'pattern',
    rule: `held if every reading an MQTT device published reached a WebSocket dashboard through the API with p99 ≤ ${THRESHOLDS.patternP99Ms} ms; did not hold otherwise.`,
  },
];

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;

function fromChecks(checks: boolean[]): Verdict {
  const passed = checks.filter(Boolean).length;
  if (passed === checks.length) return 'held';
  return passed === 0 ? 'did-not-hold' : 'mixed';
}

type Judged = Pick<ClaimVerdict, 'verdict' | 'evidence'>;
const notMeasured = (what: string): Judged => ({
  verdict: 'not-measured',
  evidence: `${what} did not run or measured nothing`,
});

function latency(facts: LabFacts): Judged {
  if (!facts.latency) return notMeasured('the latency scenario');
  const checks: boolean[] = [];
  const evidence: string[] = [];
  for (const mode of ['idle', 'load'] as const) {
    const table = facts.latency[mode];
    for (const [ws, mqtt] of [
      ['ws', 'mqtt'],
      ['wss', 'mqtts'],
    ] as [Transport, Transport][]) {
      const a = table[ws]?.p50;
      const b = table[mqtt]?.p50;
      if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b))
        continue;
      checks.push(a < b);
      evidence.push(
        `${mode === 'idle' ? 'one in flight' : 'under load'} p50 ${ws} ${ms(a)} vs ${mqtt} ${ms(b)} (${(b / a).toFixed(2)}×)`,
      );
    }
  }
  return checks.length === 0
    ? notMeasured('the latency scenario')
    : { verdict: fromChecks(checks), evidence: evidence.join('; ') };
}

function wireSize(facts: LabFacts): Judged {
  const ws = facts.wire?.smallMessage.ws;
  const mqtt = facts.wire?.smallMessage.mqtt;
  const mqtt5 = facts.wire?.smallMessage.mqtt5;
  const hsWs = facts.wire?.handshake.ws;
  const hsMqtt = facts.wire?.handshake.mqtt;
  if (!ws || !mqtt || !hsWs || !hsMqtt) return notMeasured('the wire-bytes scenario');
  const wsHandshake = hsWs.written + hsWs.read;
  const mqttHandshake = hsMqtt.written + hsMqtt.read;
  const leanest = mqtt5 ?? mqtt;
  const v5 = mqtt5
    ? `, MQTT 5/TCP with a topic alias ${mqtt5.overhead.toFixed(0)} B (topic replaced by a 2-byte alias)`
    : '';
  return {
    verdict: fromChecks([leanest.overhead < ws.overhead, wsHandshake > mqttHandshake]),
    evidence:
      `16-byte payload overhead: MQTT/TCP 3.1.1 ${mqtt.overhead.toFixed(0)} B (${mqtt.topicBytes} B of it the topic)${v5} vs WebSocket ${ws.overhead.toFixed(0)} B per message; ` +
      `handshake: WebSocket ${wsHandshake} B vs MQTT/TCP ${mqttHandshake} B`,
  };
}

function connections(facts: LabFacts): Judged {
  const ws = facts.throughput?.ws;
  const mqtt = facts.throughput?.mqtt;
  const memWs = facts.connections?.bytesPerConnection.ws;
  const memMqtt = facts.connections?.bytesPerConnection.mqtt;
  const checks: boolean[] = [];
  const evidence: string[] = [];
  if (
    ws &&
    mqtt &&
    Number.isFinite(ws.maxMsgsPerSecond) &&
    Number.isFinite(mqtt.maxMsgsPerSecond)
  ) {
    checks.push(ws.maxMsgsPerSecond >= mqtt.maxMsgsPerSecond);
    evidence.push(
      `saturated one-to-one: WebSocket ${Math.round(ws.maxMsgsPerSecond)} msgs/s vs MQTT/TCP ${Math.round(mqtt.maxMsgsPerSecond)} msgs/s`,
    );
  }
  if (
    memWs !== undefined &&
    memMqtt !== undefined &&
    Number.isFinite(memWs) &&
    Number.isFinite(memMqtt)
  ) {
    checks.push(memWs > memMqtt);
    evidence.push(
      `memory per idle connection (${facts.connections?.count} each): WebSocket server ${(memWs / 1024).toFixed(1)} KiB vs broker ${(memMqtt / 1024).toFixed(1)} KiB`,
    );
  }
  return checks.length === 0
    ? notMeasured('the throughput and connections scenarios')
    : { verdict: fromChecks(checks), evidence: evidence.join('; ') };
}

function fanOut(facts: LabFacts): Judged {
  const largest = facts.fanOut?.at(-1);
  if (!largest) return notMeasured('the fan-out scenario');
  const { ws, mqtt } = largest;
  return {
    verdict: fromChecks([mqtt.cpuMicrosPerDelivery < ws.cpuMicrosPerDelivery, mqtt.p99 <= ws.p99]),
    evidence:
      `N=${largest.subscribers}: CPU per delivery broker ${mqtt.cpuMicrosPerDelivery.toFixed(2)} µs vs WebSocket server ${ws.cpuMicrosPerDelivery.toFixed(2)} µs; ` +
      `delivery p99 MQTT ${ms(mqtt.p99)} vs WebSocket ${ms(ws.p99)}`,
  };
}

function reliability(facts: LabFacts): Judged {
  const rows = facts.reliability;
  const get = (variant: string) => rows?.find((r) => r.variant === variant);
  const [noAck, acked, q1, q2] = [
    get('ws-no-ack'),
    get('ws-acked'),
    get('mqtt-qos1'),
    get('mqtt-qos2'),
  ];
  if (!noAck || !acked || !q1 || !q2) return notMeasured('the unreliable-network scenario');
  const evidence = (rows ?? [])
    .map(
      (r) =>
        `${r.variant} lost ${r.lost}/${r.sent}, dup ${r.duplicates}${r.settled ? '' : ' (unsettled)'}`,
    )
    .join('; ');
  if (q1.lost > 0 || q2.lost > 0) return { verdict: 'did-not-hold', evidence };
  const held = q2.duplicates === 0 && acked.lost === 0 && noAck.lost > 0;
  return { verdict: held ? 'held' : 'mixed', evidence };
}

function security(facts: LabFacts): Judged {
  const s = facts.security;
  if (!s) return notMeasured('the security scenario');
  const [ws, wss, mqtt, mqtts] = (['ws', 'wss', 'mqtt', 'mqtts'] as const).map(
    (t) => s.handshakeMs[t],
  );
  const handshakes =
    ws !== undefined && wss !== undefined && mqtt !== undefined && mqtts !== undefined
      ? `handshake p50 ws ${ms(ws)} → wss ${ms(wss)}, mqtt ${ms(mqtt)} → mqtts ${ms(mqtts)}`
      : 'TLS handshakes not all measured';
  const brokerMicros = s.brokerMicrosPerMessage;
  const share = brokerMicros === undefined ? undefined : s.aclNanosPerCheck / 1000 / brokerMicros;
  const cost =
    `ACL check ${s.aclNanosPerCheck.toFixed(0)} ns` +
    (share === undefined || brokerMicros === undefined
      ? ''
      : ` = ${(share * 100).toFixed(2)}% of ${brokerMicros.toFixed(1)} µs broker CPU per message`);
  const evidence = `${handshakes}; ${cost}; out-of-ACL subscription refused: ${s.aclDenied ? 'yes' : 'no'}`;
  if (!s.tlsWorked || !s.aclDenied) return { verdict: 'did-not-hold', evidence };
  return {
    verdict: share === undefined || share < THRESHOLDS.aclShareOfMessageCpu ? 'held' : 'mixed',
    evidence,
  };
}

function pattern(facts: LabFacts): Judged {
  const e2e = facts.endToEnd;
  if (!e2e) return notMeasured('the end-to-end scenario');
  const { mqttDevice, wsDevice } = e2e;
  const held =
    mqttDevice.sent > 0 &&
    mqttDevice.lost === 0 &&
    mqttDevice.summary.p99 <= THRESHOLDS.patternP99Ms;
  return {
    verdict: held ? 'held' : 'did-not-hold',
    evidence:
      `MQTT device → dashboard p50 ${ms(mqttDevice.summary.p50)}, p99 ${ms(mqttDevice.summary.p99)}, lost ${mqttDevice.lost}/${mqttDevice.sent}; ` +
      `WebSocket device → dashboard p50 ${ms(wsDevice.summary.p50)}, p99 ${ms(wsDevice.summary.p99)}, lost ${wsDevice.lost}/${wsDevice.sent}`,
  };
}

const JUDGES: Record<ClaimId, (facts: LabFacts) => Judged> = {
  latency,
  'wire-size': wireSize,
  connections,
  'fan-out': fanOut,
  reliability,
  security,
  pattern,
};

export function judgeClaims(facts: LabFacts): ClaimVerdict[] {
  return (Object.keys(CLAIMS) as ClaimId[]).map((id) => ({
    id,
    claim: CLAIMS[id],
    ...JUDGES[id](facts),
  }));
}
