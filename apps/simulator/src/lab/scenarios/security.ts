/**
 * Scenario 6, security cost: connection handshake time and bytes with TLS and without, per
 * protocol; what a device password costs at connect (a hash verification, then the broker's cache); the
 * ACL decision's cost per message; and whether a subscription outside the rules is refused.
 */
import mqtt from 'mqtt';
import type { LabContext, PerTransport, Scenario, ScenarioOutput } from '../context.ts';
import { LatencyRecorder, num, ratioText, type LatencySummary } from '../stats.ts';
import { openLink, TRANSPORT_LABELS, withoutMqtt5, type Transport } from '../transports.ts';
import { aclNanosPerCheck } from './acl-cost.ts';

interface Handshake {
  summary: LatencySummary;
  bytes: number;
}

async function handshakes(
  context: LabContext,
  transport: Transport,
  connects: number,
): Promise<Handshake> {
  const recorder = new LatencyRecorder();
  let bytes = 0;
  for (let i = 0; i < connects; i++) {
    const link = await openLink({
      transport,
      endpoints: context.endpoints,
      wsPath: '/idle',
      mqtt: {
        clientId: `user/lab-${context.runId}-hs-${transport}`,
        ...context.target.mqttAuth,
        publishTopic: `${context.topicPrefix}/hs`,
      },
    });
    recorder.record(link.handshakeMs);
    bytes += link.handshakeBytes.written + link.handshakeBytes.read;
    await link.close();
  }
  return { summary: recorder.summary(), bytes: bytes / connects };
}

async function deviceConnects(
  context: LabContext,
  connects: number,
): Promise<{ first: number; cached: LatencySummary }> {
  const id = `lab-${context.runId}-auth`;
  const secret = await context.api.provisionDevice(id, `protocol lab ${id}`);
  const cached = new LatencyRecorder();
  let first = Number.NaN;
  try {
    for (let i = 0; i <= connects; i++) {
      const started = performance.now();
      const client = await mqtt.connectAsync(context.endpoints.mqtt, {
        clientId: id,
        username: id,
        password: secret,
        reconnectPeriod: 0,
      });
      const elapsed = performance.now() - started;
      await client.endAsync(true);
      if (i === 0) first = elapsed;
      else cached.record(elapsed);
    }
  } finally {
    await context.api.deleteDevice(id).catch(() => undefined);
  }
  return { first, cached: cached.summary() };
}

async function outOfAclRefused(context: LabContext): Promise<boolean> {
  const client = await mqtt.connectAsync(context.endpoints.mqtt, {
    clientId: `user/lab-${context.runId}-acl`,
    ...context.target.mqttAuth,
    reconnectPeriod: 0,
  });
  try {
    // Viewers (and the lab's rules) never reach another device's commands; admins may.
    const filter = context.target.mqttAuth.username ? '$SYS/#' : 'devices/+/commands/#';
    try {
      const [grant] = await client.subscribeAsync(filter, { qos: 0 });
      return grant?.qos === 128;
    } catch (error) {
      // mqtt.js rejects a SUBACK carrying 0x80 as "Subscribe error".
      return error instanceof Error && /subscribe error/i.test(error.message);
    }
  } finally {
    await client.endAsync(true);
  }
}

const PAIRS: [Transport, Transport][] = [
  ['ws', 'wss'],
  ['mqtt', 'mqtts'],
  ['mqtt-ws', 'mqtt-wss'],
];

export const securityScenario: Scenario = {
  id: 'security',
  title: 'Security cost: TLS handshakes, authentication and ACL checks',
  async run(context: LabContext): Promise<ScenarioOutput> {
    const sizes = context.sizes.security;
    const results: PerTransport<Handshake> = {};
    const notes: string[] = [];
    for (const transport of withoutMqtt5(context.transports)) {
      context.progress(`security: ${sizes.connects} ${transport} handshakes`);
      try {
        results[transport] = await handshakes(context, transport, sizes.connects);
      } catch (error) {
        notes.push(
          `${transport}: failed — ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    context.progress('security: device password, ACL');
    const device = await deviceConnects(context, Math.min(sizes.connects, 20));
    const acl = sizes.aclRules.map((rules) => ({
      rules,
      nanos: aclNanosPerCheck(rules, sizes.aclChecks),
    }));
    const aclDenied = await outOfAclRefused(context);
    const brokerMicros = context.facts.throughput?.mqtt?.cpuMicrosPerMessage;
    context.facts.security = {
      handshakeMs: Object.fromEntries(Object.entries(results).map(([t, r]) => [t, r.summary.p50])),
      handshakeBytes: Object.fromEntries(Object.entries(results).map(([t, r]) => [t, r.bytes])),
      aclNanosPerCheck: acl.at(-1)?.nanos ?? Number.NaN,
      brokerMicrosPerMessage:
        brokerMicros !== undefined && Number.isFinite(brokerMicros) ? brokerMicros : undefined,
      aclDenied,
      tlsWorked: results.wss !== undefined && results.mqtts !== undefined,
    };
    const pairs = PAIRS.flatMap(([clear, tls]) => {
      const [c, t] = [results[clear], results[tls]];
      return c && t ? [{ clear, c, t }] : [];
    });
    return {
      method:
        `${sizes.connects} sequential connects per transport, socket open → WebSocket open / CONNACK, bytes at the socket (both directions). TLS 1.3 with a P-256 certificate. ` +
        `Device password: an MQTT/TCP device connect with its issued secret, first (hash verification) then again (the broker caches a verified secret 30 s). ACL: ${sizes.aclChecks} decisions of the broker's compiled evaluator in this process.`,
      tables: [
        {
          title: 'Handshake with and without TLS',
          columns: [
            { key: 'protocol', label: 'protocol' },
            { key: 'clearP50', label: 'clear p50', unit: 'ms' },
            { key: 'tlsP50', label: 'TLS p50', unit: 'ms' },
            { key: 'tlsP99', label: 'TLS p99', unit: 'ms' },
            { key: 'timeRatio', label: 'TLS / clear time' },
            { key: 'clearBytes', label: 'clear bytes', unit: 'B' },
            { key: 'tlsBytes', label: 'TLS bytes', unit: 'B' },
            { key: 'extraBytes', label: 'TLS adds', unit: 'B' },
          ],
          rows: pairs.map(({ clear, c, t }) => {
            return {
              protocol: TRANSPORT_LABELS[clear],
              clearP50: num(c.summary.p50, 3),
              tlsP50: num(t.summary.p50, 3),
              tlsP99: num(t.summary.p99, 3),
              timeRatio: ratioText(t.summary.p50, c.summary.p50),
              clearBytes: num(c.bytes, 0),
              tlsBytes: num(t.bytes, 0),
              extraBytes: num(t.bytes - c.bytes, 0),
            };
          }),
        },
        {
          title: 'Authentication and authorization',
          columns: [
            { key: 'what', label: 'what' },
            { key: 'value', label: 'cost' },
            { key: 'unit', label: 'unit' },
          ],
          rows: [
            {
              what: 'MQTT device connect, first (hash verify)',
              value: num(device.first, 2),
              unit: 'ms',
            },
            {
              what: 'MQTT device connect, cached secret (p50)',
              value: num(device.cached.p50, 2),
              unit: 'ms',
            },
            ...acl.map((a) => ({
              what: `ACL decision, built-in rules + ${a.rules} stored`,
              value: num(a.nanos, 0),
              unit: 'ns',
            })),
            {
              what: 'ACL decision as a share of broker CPU per routed message',
              value:
                brokerMicros === undefined
                  ? null
                  : num(((acl.at(-1)?.nanos ?? 0) / 1000 / brokerMicros) * 100, 3),
              unit: '%',
            },
            {
              what: 'subscription outside the ACL refused (SUBACK 0x80)',
              value: aclDenied ? 'yes' : 'no',
              unit: '',
            },
          ],
        },
      ],
      charts: [
        {
          title: 'Handshake time p50, clear vs TLS',
          kind: 'bar',
          xLabel: 'protocol',
          yLabel: 'ms',
          series: [
            {
              name: 'clear',
              points: pairs.map(({ clear, c }) => ({
                x: clear,
                y: num(c.summary.p50, 3) ?? 0,
              })),
            },
            {
              name: 'TLS',
              points: pairs.map(({ clear, t }) => ({
                x: clear,
                y: num(t.summary.p50, 3) ?? 0,
              })),
            },
          ],
        },
      ],
      notes: [
        ...notes,
        'The lab’s MQTT clients connect anonymously in local mode (viewer role plus this run’s rules); a device password adds the hash verification shown above on a first connect.',
        'MQTT over WebSocket + TLS is terminated by the lab’s helper in front of the broker.',
      ],
    };
  },
};
