/**
 * A routing scenario runs in several rounds, each broker in turn, so that a burst of
 * outside load on this shared machine hits one round of one broker rather than a whole
 * row. Rounds combine into one measurement: CPU per message is the median round's,
 * latencies are pooled (a bad round still shows in p99), rates are averaged.
 */
import type { Measurement } from './routing-load.ts';
import { Samples } from './stats.ts';

export interface RoundedMeasurement extends Measurement {
  rounds: readonly Measurement[];
}

export function combineRounds(rounds: readonly Measurement[]): RoundedMeasurement {
  const [first] = rounds;
  if (!first) throw new Error('combineRounds needs at least one round');
  const latencies = new Samples();
  for (const round of rounds) latencies.addAll(round.latencies);
  const mean = (value: (round: Measurement) => number) =>
    rounds.reduce((sum, round) => sum + value(round), 0) / rounds.length;
  return {
    scenario: first.scenario,
    deliveredPerSecond: mean((round) => round.deliveredPerSecond),
    sentPerSecond: mean((round) => round.sentPerSecond),
    latencies,
    cpuMicrosPerMessage: median(rounds.map((round) => round.cpuMicrosPerMessage)),
    cpu: {
      broker: mean((round) => round.cpu.broker),
      bench: mean((round) => round.cpu.bench),
      postgres: mean((round) => round.cpu.postgres),
      others: mean((round) => round.cpu.others),
    },
    rss: Math.max(...rounds.map((round) => round.rss)),
    lost: rounds.reduce((sum, round) => sum + round.lost, 0),
    rounds,
  };
}

/**
 * Our CPU per message over the baseline's, round by round (each pair ran back to back),
 * as the median ratio and the range over rounds.
 */
export function cpuRatio(
  ours: RoundedMeasurement,
  baseline: RoundedMeasurement,
): { median: number; low: number; high: number } {
  const ratios = ours.rounds.map(
    (round, index) =>
      round.cpuMicrosPerMessage / (baseline.rounds[index] ?? baseline).cpuMicrosPerMessage,
  );
  return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
