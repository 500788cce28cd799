/** The rows of the routing benchmark's tables, one per broker and scenario, with their targets. */
import { cpuRatio, type RoundedMeasurement } from './rounds.ts';
import type { Measurement, Scenario } from './routing-load.ts';
import { NONE, mib, micros, ms, percent, rate, ratio, row, times, verdict } from './stats.ts';
import type { Row } from './stats.ts';
import { CpuAccount } from './machine.ts';

const CPU_RATIO_TARGET = 1.6;
/** MQTT 5.0 clients may cost this much more CPU per message than MQTT 3.1.1 ones, same load. */
const V5_CPU_RATIO_TARGET = 1.05;
const P99_TARGET_MS = { 0: 3, 1: 8 } as const;
/** Rate at which the p99 targets apply. */
const P99_TARGET_RATE = 20_000;
/** Nagle + delayed ACK shows as deliveries piling up around 40 ms. */
const NAGLE_BAND = [35, 45] as const;
const NAGLE_SHARE_LIMIT = 0.01;

export function label(scenario: Scenario): string {
  const at = scenario.rate === 'max' ? 'saturation' : `${scenario.rate / 1000}k/s`;
  return `QoS ${scenario.qos} @ ${at}`;
}

function nagleShare(measurement: Measurement): number {
  return measurement.latencies.shareBetween(NAGLE_BAND[0], NAGLE_BAND[1]);
}

export function ourRow(
  measurement: RoundedMeasurement,
  baseline: RoundedMeasurement | undefined,
  floor: RoundedMeasurement | undefined,
): Row {
  const { scenario, latencies } = measurement;
  const p99 = latencies.quantile(0.99);
  const checks: string[] = [];
  if (baseline) {
    const { median } = cpuRatio(measurement, baseline);
    const floorRatio = floor ? cpuRatio(floor, baseline).median : 0;
    // A target the relay cannot meet is out of reach for any broker on Node on this machine.
    const reach =
      floorRatio > CPU_RATIO_TARGET
        ? ` (out of Node's reach: the relay is ${times(floorRatio)})`
        : '';
    checks.push(
      `CPU ≤ ${CPU_RATIO_TARGET}× mosquitto: ${verdict(median <= CPU_RATIO_TARGET)}${reach}`,
    );
  }
  if (scenario.rate === P99_TARGET_RATE) {
    const limit = P99_TARGET_MS[scenario.qos];
    checks.push(`p99 < ${limit} ms: ${verdict(p99 < limit)}`);
  }
  if (scenario.rate !== 'max') {
    const share = nagleShare(measurement);
    checks.push(`no 40 ms cluster (${percent(share)}): ${verdict(share < NAGLE_SHARE_LIMIT)}`);
  }
  return row({
    benchmark: `${label(scenario)} — twinwire`,
    'msgs/s': rate(measurement.deliveredPerSecond),
    'p50 (ms)': ms(latencies.quantile(0.5)),
    'p99 (ms)': ms(p99),
    'CPU µs/msg': micros(measurement.cpuMicrosPerMessage),
    memory: mib(measurement.rss),
    'vs mosquitto': baseline ? versus(measurement, baseline) : NONE,
    target: checks.join('; ') || NONE,
  });
}

/** The MQTT 5.0 row: its own numbers, and its CPU per message against the 3.1.1 row's. */
export function v5Row(
  measurement: RoundedMeasurement,
  v3: RoundedMeasurement,
  mosquitto: RoundedMeasurement | undefined,
): Row {
  const { median, low, high } = cpuRatio(measurement, v3);
  const range = measurement.rounds.length > 1 ? ` (${low.toFixed(2)}–${high.toFixed(2)})` : '';
  return row({
    benchmark: `${label(measurement.scenario)} — twinwire, MQTT 5`,
    'msgs/s': rate(measurement.deliveredPerSecond),
    'p50 (ms)': ms(measurement.latencies.quantile(0.5)),
    'p99 (ms)': ms(measurement.latencies.quantile(0.99)),
    'CPU µs/msg': micros(measurement.cpuMicrosPerMessage),
    memory: mib(measurement.rss),
    'vs mosquitto': mosquitto ? versus(measurement, mosquitto) : NONE,
    target: `CPU ≤ ${V5_CPU_RATIO_TARGET}× MQTT 3.1.1 (${times(median)}${range}): ${verdict(median <= V5_CPU_RATIO_TARGET)}`,
  });
}

function versus(measurement: RoundedMeasurement, baseline: RoundedMeasurement): string {
  const { median, low, high } = cpuRatio(measurement, baseline);
  const range = measurement.rounds.length > 1 ? ` (${low.toFixed(2)}–${high.toFixed(2)})` : '';
  return `CPU ${times(median)}${range}, p99 ${ratio(measurement.latencies.quantile(0.99), baseline.latencies.quantile(0.99))}`;
}

export function baselineRow(
  name: string,
  measurement: RoundedMeasurement,
  mosquitto: RoundedMeasurement | undefined,
): Row {
  return row({
    benchmark: `${label(measurement.scenario)} — ${name}`,
    'msgs/s': rate(measurement.deliveredPerSecond),
    'p50 (ms)': ms(measurement.latencies.quantile(0.5)),
    'p99 (ms)': ms(measurement.latencies.quantile(0.99)),
    'CPU µs/msg': micros(measurement.cpuMicrosPerMessage),
    memory: mib(measurement.rss),
    'vs mosquitto': mosquitto ? versus(measurement, mosquitto) : 'baseline',
    target: 'baseline',
  });
}

export function detail(
  broker: string,
  measurement: RoundedMeasurement,
  bare: RoundedMeasurement | undefined,
): Record<string, string> {
  const { latencies } = measurement;
  return {
    benchmark: `${label(measurement.scenario)} — ${broker}`,
    'offered msgs/s': rate(measurement.sentPerSecond),
    samples: latencies.count.toLocaleString('en-US'),
    'p99.9 (ms)': ms(latencies.quantile(0.999)),
    'max (ms)': ms(latencies.quantile(1)),
    '35–45 ms': percent(nagleShare(measurement)),
    lost: String(measurement.lost),
    'CPU vs bare aedes': bare ? times(cpuRatio(measurement, bare).median) : NONE,
    'CPU cores used': CpuAccount.format(measurement.cpu),
  };
}
