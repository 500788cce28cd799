/** Sizes and time budgets of the two profiles: quick (< 2 min, CI) and full (< 15 min). */

export type ProfileName = 'quick' | 'full';

export interface ProfileSizes {
  latency: { idleSamples: number; loadConnections: number; loadWindow: number; loadMs: number };
  wire: { payloads: number[]; messages: number };
  throughput: { rate: number; connections: number; measureMs: number; window: number };
  connections: { count: number; concurrency: number };
  fanOut: {
    subscribers: number[];
    deliveriesPerSecond: number;
    maxRate: number;
    measureMs: number;
  };
  unreliable: {
    runMs: number;
    ratePerSecond: number;
    dropsPerMinute: number;
    outageMs: number;
    drainMs: number;
  };
  security: { connects: number; aclRules: number[]; aclChecks: number };
  endToEnd: { ratePerSecond: number; measureMs: number };
  /** Budget per scenario id in ms; a scenario past its budget is cut short or abandoned. */
  budgets: Record<string, number>;
}

const PAYLOADS = [16, 64, 256, 1024, 4096, 16_384, 65_536];

export const PROFILES: Record<ProfileName, ProfileSizes> = {
  quick: {
    latency: { idleSamples: 200, loadConnections: 2, loadWindow: 8, loadMs: 800 },
    wire: { payloads: PAYLOADS, messages: 3 },
    throughput: { rate: 1_000, connections: 2, measureMs: 800, window: 400 },
    connections: { count: 200, concurrency: 50 },
    fanOut: { subscribers: [10, 50], deliveriesPerSecond: 4_000, maxRate: 200, measureMs: 1_000 },
    unreliable: {
      runMs: 8_000,
      ratePerSecond: 40,
      dropsPerMinute: 20,
      outageMs: 1_500,
      drainMs: 8_000,
    },
    security: { connects: 10, aclRules: [0, 100], aclChecks: 50_000 },
    endToEnd: { ratePerSecond: 50, measureMs: 1_500 },
    budgets: {
      latency: 20_000,
      'wire-bytes': 15_000,
      throughput: 20_000,
      connections: 20_000,
      'fan-out': 15_000,
      'unreliable-network': 25_000,
      security: 15_000,
      'end-to-end': 10_000,
    },
  },
  full: {
    latency: { idleSamples: 2_000, loadConnections: 4, loadWindow: 16, loadMs: 5_000 },
    wire: { payloads: PAYLOADS, messages: 20 },
    throughput: { rate: 5_000, connections: 4, measureMs: 5_000, window: 1_000 },
    connections: { count: 10_000, concurrency: 100 },
    fanOut: {
      subscribers: [10, 100, 1_000],
      deliveriesPerSecond: 20_000,
      maxRate: 200,
      measureMs: 5_000,
    },
    unreliable: {
      runMs: 60_000,
      ratePerSecond: 50,
      dropsPerMinute: 12,
      outageMs: 5_000,
      drainMs: 20_000,
    },
    security: { connects: 50, aclRules: [0, 100, 1_000], aclChecks: 500_000 },
    endToEnd: { ratePerSecond: 200, measureMs: 10_000 },
    budgets: {
      latency: 90_000,
      'wire-bytes': 60_000,
      throughput: 120_000,
      connections: 240_000,
      'fan-out': 120_000,
      'unreliable-network': 120_000,
      security: 60_000,
      'end-to-end': 45_000,
    },
  },
};
