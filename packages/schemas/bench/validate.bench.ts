/**
 * Hot-path cost of turning an MQTT telemetry payload (a Buffer) into validated readings,
 * beside JSON.parse alone as the baseline. Prints a table; never fails on a missed target.
 * Run: pnpm --filter @twinwire/schemas bench
 */
import { Bench } from 'tinybench';
import type { Task } from 'tinybench';
import { parseDeviceFrame, parseTelemetry } from '../src/validate.ts';

const targetPerSecond = 500_000;
const batchSize = 20;

const now = Date.now();
const reading = (seq: number) => ({
  ts: now - seq,
  seq,
  metrics: { temp: 21.5, humidity: 40.2, rssi: -67, on: true, mode: 'eco' },
});
const readingBuffer = Buffer.from(JSON.stringify(reading(42)));
const batchBuffer = Buffer.from(
  JSON.stringify({ points: Array.from({ length: batchSize }, (_, seq) => reading(seq)) }),
);
const frameBuffer = Buffer.from(
  JSON.stringify({ type: 'telemetry', id: 'm-1', reading: reading(42) }),
);

for (const [name, result] of [
  ['reading', parseTelemetry(readingBuffer)],
  ['batch', parseTelemetry(batchBuffer)],
  ['frame', parseDeviceFrame(frameBuffer)],
] as const) {
  if (!result.ok) throw new Error(`bench input ${name} is invalid: ${result.error.message}`);
}

// Results go somewhere observable so the optimizer cannot drop the work.
let sink: unknown;

const names = {
  readingBaseline: `JSON.parse, reading (${readingBuffer.length} B)`,
  reading: `parseTelemetry, reading (${readingBuffer.length} B)`,
  frameBaseline: `JSON.parse, WebSocket reading frame (${frameBuffer.length} B)`,
  frame: `parseDeviceFrame, WebSocket reading frame (${frameBuffer.length} B)`,
  batchBaseline: `JSON.parse, ${batchSize}-point batch (${batchBuffer.length} B)`,
  batch: `parseTelemetry, ${batchSize}-point batch (${batchBuffer.length} B)`,
};

const bench = new Bench({ time: 2_000, warmupTime: 500, subtractTimerOverhead: true });
bench
  .add(names.readingBaseline, () => {
    sink = JSON.parse(readingBuffer.toString('utf8'));
  })
  .add(names.reading, () => {
    sink = parseTelemetry(readingBuffer);
  })
  .add(names.frameBaseline, () => {
    sink = JSON.parse(frameBuffer.toString('utf8'));
  })
  .add(names.frame, () => {
    sink = parseDeviceFrame(frameBuffer);
  })
  .add(names.batchBaseline, () => {
    sink = JSON.parse(batchBuffer.toString('utf8'));
  })
  .add(names.batch, () => {
    sink = parseTelemetry(batchBuffer);
  });

const heapAfter = new Map<string, number>();
bench.addEventListener('cycle', (event) => {
  heapAfter.set(event.task.name, process.memoryUsage().heapUsed);
});

/** Messages per second over a plain loop: no per-call timer, the broker's steady state. */
function sustained(count: number): { perSecond: number; heap: number } {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sink = parseTelemetry(readingBuffer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { perSecond: count / seconds, heap: process.memoryUsage().heapUsed };
}

const mb = (bytes: number | undefined) =>
  bytes === undefined ? '-' : (bytes / 2 ** 20).toFixed(1);
const us = (ms: number) => (ms * 1000).toFixed(2);
const rate = (perSecond: number) => Math.round(perSecond).toLocaleString('en-US');

function throughput(task: Task | undefined): number | undefined {
  const result = task?.result;
  if (result?.state !== 'completed') return undefined;
  return result.latency.mean > 0 ? 1000 / result.latency.mean : undefined;
}

function target(name: string, perSecond: number | undefined): string {
  if (perSecond === undefined) return '-';
  if (name === names.batch) {
    const readings = perSecond * batchSize;
    return `≥ 500k readings/s: ${readings >= targetPerSecond ? 'met' : 'MISSED'} (${rate(readings)})`;
  }
  if (name === names.reading || name === names.frame) {
    return `≥ 500k msgs/s: ${perSecond >= targetPerSecond ? 'met' : 'MISSED'}`;
  }
  return 'baseline';
}

async function main(): Promise<void> {
  await bench.run();
  const baselineOf: Record<string, string> = {
    [names.reading]: names.readingBaseline,
    [names.frame]: names.frameBaseline,
    [names.batch]: names.batchBaseline,
  };
  const rows = bench.tasks.map((task) => {
    const perSecond = throughput(task);
    const result = task.result;
    const baselineName = baselineOf[task.name];
    const baseline =
      baselineName === undefined ? undefined : throughput(bench.getTask(baselineName));
    const done = result.state === 'completed';
    return {
      benchmark: task.name,
      'ops/s': perSecond === undefined ? result.state : rate(perSecond),
      'p50 (µs)': done ? us(result.latency.p50) : '-',
      'p99 (µs)': done ? us(result.latency.p99) : '-',
      'heap (MB)': mb(heapAfter.get(task.name)),
      'vs JSON.parse':
        perSecond !== undefined && baseline !== undefined
          ? `${(perSecond / baseline).toFixed(2)}×`
          : '-',
      target: target(task.name, perSecond),
    };
  });
  const loop = sustained(1_000_000);
  const readingBaseline = throughput(bench.getTask(names.readingBaseline));
  rows.push({
    benchmark: 'parseTelemetry, reading, 1M-message loop',
    'ops/s': rate(loop.perSecond),
    'p50 (µs)': '-',
    'p99 (µs)': '-',
    'heap (MB)': mb(loop.heap),
    'vs JSON.parse':
      readingBaseline === undefined ? '-' : `${(loop.perSecond / readingBaseline).toFixed(2)}×`,
    target: target(names.reading, loop.perSecond),
  });
  console.log(
    `Node ${process.version}, one core; p50/p99 are per message, timer overhead subtracted`,
  );
  console.table(rows);
  if (sink === undefined) console.log('(no results)');
}

main().catch((error: unknown) => {
  // A benchmark never fails the run; it reports what happened.
  console.error('benchmark failed to run:', error);
});
