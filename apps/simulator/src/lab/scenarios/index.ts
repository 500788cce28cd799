/** Every scenario, in report order. */
import type { Scenario } from '../context.ts';
import { connectionsScenario } from './connections.ts';
import { endToEndScenario } from './end-to-end.ts';
import { fanOutScenario } from './fan-out.ts';
import { latencyScenario } from './latency.ts';
import { securityScenario } from './security.ts';
import { throughputScenario } from './throughput.ts';
import { unreliableScenario } from './unreliable.ts';
import { wireBytesScenario } from './wire-bytes.ts';

export const SCENARIOS: readonly Scenario[] = [
  latencyScenario,
  wireBytesScenario,
  throughputScenario,
  connectionsScenario,
  fanOutScenario,
  unreliableScenario,
  securityScenario,
  endToEndScenario,
];
