import type { FleetSnapshot } from '../fleet/fleet.ts';
import type { FaultProxyStats } from '../proxy/fault-proxy.ts';
import {
  modeLabel,
  type Counts,
  type GroupAccount,
  type MqttVersion,
} from '../verify/accounting.ts';

/** What `twinwire-sim run` reports at the end (`--json` prints exactly this). */
export interface RunSummary {
  ok: boolean;
  /** Why the run is not ok, one sentence each. */
  problems: string[];
  targets: { api: string; mqtt: string | null; ws: string | null };
  devices: {
    total: number;
    mqtt: number;
    /** The MQTT devices by protocol version (`--mqtt-version mixed` splits them). */
    mqttByVersion: Record<MqttVersion, number>;
    ws: number;
  };
  durationS: number;
  settings: {
    /** As asked: `mixed` splits the MQTT devices (see `devices.mqttByVersion`). */
    mqttVersion: MqttVersion | 'mixed';
    qos: number;
    profile: string;
    rate: number;
    count: number | null;
    cleanSession: boolean | null;
  };
  fleet: FleetSnapshot;
  messagesPerSecond: number;
  faults: { proxy: FaultProxyStats; outages: number } | null;
  delivery: {
    groups: (Counts & {
      protocol: 'mqtt' | 'ws';
      qos: number | null;
      /** MQTT groups only. */
      mqttVersion?: MqttVersion;
      devices: number;
    })[];
    total: Counts;
    /** Whether a subscriber counted deliveries; `duplicated` is null when not. */
    monitored: boolean;
    monitorGaps: number;
  };
  drained: boolean;
  lastErrors: { error: string; devices: number }[];
}

export function groupRows(groups: readonly GroupAccount[]): RunSummary['delivery']['groups'] {
  return groups.map(({ mode, ...counts }) => ({
    protocol: mode.protocol,
    qos: mode.qos,
    ...(mode.mqttVersion === undefined ? {} : { mqttVersion: mode.mqttVersion }),
    ...counts,
  }));
}

/**
 * The problems a run reveals: an acknowledged reading missing from the database breaks
 * the delivery guarantee; readings unaccounted for where a guarantee applies are worth a
 * look, as are devices that never connected.
 */
export function findProblems(summary: Omit<RunSummary, 'ok' | 'problems'>): string[] {
  const problems: string[] = [];
  const { total } = summary.delivery;
  if (total.lostAcked > 0)
    problems.push(`${total.lostAcked} acknowledged readings are not in the database`);
  if (summary.fleet.connects === 0) problems.push('no device ever connected');
  if (!summary.drained)
    problems.push('the run ended with readings still unacknowledged (see --drain-timeout)');
  return problems;
}

const columns = [
  ['sent', 'sent'],
  ['acked', 'acked'],
  ['stored', 'stored'],
  ['lost', 'lost'],
  ['lostAcked', 'lost acked'],
  ['resent', 'resent'],
  ['duplicated', 'duplicated'],
  ['unexpected', 'unexpected'],
] as const;

/** The human-readable summary: the settings, the fleet totals and the accounting table. */
export function formatSummary(summary: RunSummary): string {
  const lines: string[] = [];
  const { fleet } = summary;
  lines.push(
    `twinwire-sim run: ${summary.devices.total} devices (${mqttDevicesText(summary.devices)}, ${summary.devices.ws} ws) for ${summary.durationS.toFixed(1)} s against ${summary.targets.api}`,
    `  connects ${fleet.connects}, disconnects ${fleet.disconnects}, sessions resumed ${fleet.sessionsResumed}, errors ${fleet.errors}, commands answered ${fleet.commandsAnswered}`,
    `  messages ${fleet.messagesSent} (${summary.messagesPerSecond.toFixed(1)}/s), readings ${fleet.readings}`,
  );
  if (summary.faults) {
    const { proxy, outages } = summary.faults;
    lines.push(
      `  fault proxy: ${proxy.connections} connections, ${proxy.dropped} cut, ${outages} outage(s), ${proxy.bytesToServer} B up, ${proxy.bytesToClient} B down`,
    );
  }
  lines.push('', ...table(summary));
  if (!summary.delivery.monitored)
    lines.push('  (duplicated: not measured — no subscriber watched the deliveries)');
  else if (summary.delivery.monitorGaps > 0)
    lines.push(
      `  (the delivery monitor lost its connection ${summary.delivery.monitorGaps} time(s): duplicates may be undercounted)`,
    );
  for (const { error, devices } of summary.lastErrors)
    lines.push(`  last error on ${devices} device(s): ${error}`);
  lines.push('', summary.ok ? 'OK' : `NOT OK: ${summary.problems.join('; ')}`);
  return lines.join('\n');
}

/** `4 mqtt`, or `4 mqtt: 2 v3.1.1 + 2 v5` when the versions are mixed. */
function mqttDevicesText(devices: RunSummary['devices']): string {
  const { mqtt, mqttByVersion } = devices;
  if (mqttByVersion['5'] === 0) return `${mqtt} mqtt`;
  if (mqttByVersion['3.1.1'] === 0) return `${mqtt} mqtt v5`;
  return `${mqtt} mqtt: ${mqttByVersion['3.1.1']} v3.1.1 + ${mqttByVersion['5']} v5`;
}

function table(summary: RunSummary): string[] {
  const header = ['', 'devices', ...columns.map(([, title]) => title)];
  const rows = summary.delivery.groups.map((group) => [
    modeLabel({
      protocol: group.protocol,
      qos: group.qos as 0 | 1 | 2 | null,
      ...(group.mqttVersion === undefined ? {} : { mqttVersion: group.mqttVersion }),
    }),
    String(group.devices),
    ...columns.map(([key]) => cell(group, key)),
  ]);
  rows.push([
    'total',
    String(summary.devices.total),
    ...columns.map(([key]) => cell(summary.delivery.total, key)),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const render = (row: string[]) =>
    `  ${row.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join('  ')}`;
  return [render(header), ...rows.map(render)];
}

function cell(
  counts: Counts & { qos?: number | null; protocol?: string },
  key: keyof Counts,
): string {
  const value = counts[key];
  if (value === null) return '-';
  // QoS 0 is never acknowledged: a 0 there would read as a failure.
  if (key === 'acked' && counts.protocol === 'mqtt' && counts.qos === 0) return '-';
  return String(value);
}
