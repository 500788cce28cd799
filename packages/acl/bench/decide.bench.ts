import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Bench } from 'tinybench';
import type { Task } from 'tinybench';
import { compileAcl } from '../src/acl.ts';
import { createNaiveAcl } from '../src/naive.ts';
import type { Principal } from '../src/rules.ts';
import { buildPublishRequests, buildRules, buildSubscribeRequests } from './workload.ts';
import type { Request } from './workload.ts';

/** Decisions per measured iteration: one decision is far below the timer's resolution. */
const BATCH = 256;
const REQUESTS = 4096;
const PUBLISH_TARGET = { opsPerSecond: 1_000_000, speedup: 20 };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

type Decide = (principal: Principal, topicOrFilter: string) => boolean;

/** Runs BATCH decisions per call, cycling through the requests; the sum keeps V8 honest. */
function batchOf(decide: Decide, requests: readonly Request[]): () => void {
  let cursor = 0;
  let allowed = 0;
  return () => {
    for (let n = 0; n < BATCH; n++) {
      const request = requests[cursor];
      cursor = (cursor + 1) % requests.length;
      if (request !== undefined && decide(request[0], request[1])) allowed++;
    }
    if (allowed < 0) throw new Error('unreachable');
  };
}

function agreement(a: Decide, b: Decide, requests: readonly Request[]): string {
  let allowed = 0;
  let disagreements = 0;
  for (const [principal, topic] of requests) {
    const decision = a(principal, topic);
    if (decision) allowed++;
    if (decision !== b(principal, topic)) disagreements++;
  }
  const share = ((100 * allowed) / requests.length).toFixed(0);
  return `${share}% allowed, ${disagreements} disagreement(s) with the naive scan`;
}

const rulesBefore = heapMb();
const rules = buildRules();
const acl = compileAcl(rules);
const compiledMb = heapMb() - rulesBefore;
const naive = createNaiveAcl(rules);
const publishes = buildPublishRequests(REQUESTS);
const subscribes = buildSubscribeRequests(REQUESTS);

const distinct = (requests: readonly Request[]): number => new Set(requests.map(([, t]) => t)).size;
console.log(
  `${rules.length} rules; ${REQUESTS} publish requests (${distinct(publishes)} distinct topics), ` +
    `${REQUESTS} subscribe requests (${distinct(subscribes)} distinct filters)`,
);
console.log(`publish:   ${agreement(acl.authorizePublish, naive.authorizePublish, publishes)}`);
console.log(
  `subscribe: ${agreement(acl.authorizeSubscribe, naive.authorizeSubscribe, subscribes)}`,
);

const heapAfter = new Map<string, number>();
const bench = new Bench({ time: 2000, warmupTime: 300 });
const afterAll = function (this: Task): void {
  heapAfter.set(this.name, heapMb());
};
bench
  .add('publish: compiled', batchOf(acl.authorizePublish, publishes), { afterAll })
  .add('publish: naive', batchOf(naive.authorizePublish, publishes), { afterAll })
  .add('subscribe: compiled', batchOf(acl.authorizeSubscribe, subscribes), { afterAll })
  .add('subscribe: naive', batchOf(naive.authorizeSubscribe, subscribes), { afterAll });
await bench.run();

interface Measured {
  opsPerSecond: number;
  p50: number;
  p99: number;
}

function measure(task: Task): Measured | null {
  const result = task.result;
  if (result.state !== 'completed') return null;
  const perDecisionUs = (ms: number): number => (ms * 1000) / BATCH;
  return {
    opsPerSecond: (BATCH * 1000) / result.period,
    p50: perDecisionUs(result.latency.p50),
    p99: perDecisionUs(result.latency.p99),
  };
}

const measured = new Map(bench.tasks.map((task) => [task.name, measure(task)]));
const format = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const rows = bench.tasks.map((task) => {
  const own = measured.get(task.name) ?? null;
  const action = task.name.split(':')[0] ?? '';
  const baseline = measured.get(`${action}: naive`) ?? null;
  const isCompiled = task.name.endsWith('compiled');
  const ratio = own !== null && baseline !== null ? own.opsPerSecond / baseline.opsPerSecond : NaN;
  let target = 'baseline';
  if (isCompiled && action === 'publish' && own !== null) {
    const met = own.opsPerSecond >= PUBLISH_TARGET.opsPerSecond && ratio >= PUBLISH_TARGET.speedup;
    target = `≥ 1M/s, ≥ 20×: ${met ? 'met' : 'MISSED'}`;
  } else if (isCompiled) {
    target = '—';
  }
  return {
    benchmark: task.name,
    'ops/s': own === null ? task.result.state : format(own.opsPerSecond),
    'p50 (µs)': own === null ? '' : format(own.p50, 3),
    'p99 (µs)': own === null ? '' : format(own.p99, 3),
    'heap (MB)': format(heapAfter.get(task.name) ?? NaN, 1),
    'vs naive': isCompiled ? `${format(ratio, 1)}×` : '1.0×',
    target,
  };
});

console.table(rows);
console.log(
  `Latencies are per decision, from batches of ${BATCH}. Heap is used heap after each task, after GC; the compiled index of ${rules.length} rules retains ≈ ${format(compiledMb, 2)} MB.`,
);
