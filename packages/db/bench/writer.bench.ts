/**
 * Sustained committed rows/s from 1,000 concurrent writers, each awaiting its commit
 * before writing its next reading (as MQTT QoS 1 publishers do). Compares the writer's
 * statement strategies with drizzle's `insert().values()` in one run, against a durable
 * embedded PostgreSQL and, when DATABASE_URL is set, against that server too. The json
 * writer also runs with the rollup's log trigger disabled, alternating with the deployed one,
 * to show what logging touched minutes costs the ingest path.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDb, type DbClient } from '../src/client.ts';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { migrate } from '../src/migrate.ts';
import { telemetry } from '../src/schema.ts';
import type { InsertStrategy } from '../src/telemetry/insert.ts';
import { createTelemetryWriter } from '../src/telemetry/writer.ts';
import type { TelemetryRow } from '../src/telemetry/row.ts';
import { createTestDatabase } from '../src/testing/postgres.ts';

const WRITERS = 1000;
const DURATION_MS = 5_000;
const TARGET_ROWS_PER_S = 100_000;

type Sink = (row: TelemetryRow) => Promise<unknown>;
interface Candidate {
  name: string;
  /** Runs on the candidate's fresh database before measuring. */
  prepare?(client: DbClient): Promise<void>;
  open(client: DbClient): { sink: Sink; close(): Promise<void> };
}

const writerCandidate = (strategy: InsertStrategy, name = `writer (${strategy})`) => ({
  name,
  open(client: DbClient) {
    const writer = createTelemetryWriter({ pool: client.pool, strategy });
    return { sink: (row: TelemetryRow) => writer.write(row), close: () => writer.close() };
  },
});

/** The json writer as deployed, and without the rollup's log trigger: what the trigger costs. */
const triggerPair: readonly [Candidate, Candidate] = [
  writerCandidate('json'),
  {
    ...writerCandidate('json', 'writer (json), no rollup trigger'),
    async prepare(client) {
      await client.pool.query('ALTER TABLE telemetry DISABLE TRIGGER telemetry_rollup_inserted');
    },
  },
];
/** The pair alternates this many times and reports medians, so a noisy machine hits both alike. */
const PAIR_ROUNDS = 3;

const candidates: Candidate[] = [
  writerCandidate('copy'),
  {
    // Baseline: the same group commit, but each batch through the ORM's multi-row insert.
    name: 'drizzle insert().values()',
    open(client: DbClient) {
      const pending: { row: TelemetryRow; done: () => void }[] = [];
      let running = 0;
      const drain = () => {
        while (running < 2 && pending.length > 0) {
          const batch = pending.splice(0, 500);
          running += 1;
          void client.db
            .insert(telemetry)
            .values(batch.map(({ row }) => ({ ...row, ts: new Date(row.ts) })))
            .onConflictDoNothing()
            .then(() => {
              for (const item of batch) item.done();
              running -= 1;
              drain();
            });
        }
      };
      return {
        sink: (row) =>
          new Promise<void>((done) => {
            pending.push({ row, done });
            queueMicrotask(drain);
          }),
        close: () => Promise.resolve(),
      };
    },
  },
];

interface Result {
  target: string;
  benchmark: string;
  'rows/s': number;
  'p50 (ms)': number;
  'p99 (ms)': number;
  'peak heap (MB)': number;
  'vs drizzle': string;
  goal: string;
}

async function measure(target: string, adminUrl: string, candidate: Candidate): Promise<Result> {
  const database = await createTestDatabase(adminUrl);
  await candidate.prepare?.(database);
  const opened = candidate.open(database);
  const sink = opened.sink;
  const latencies: number[] = [];
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 50);
  let committed = 0;
  const deadline = performance.now() + DURATION_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, writer) => {
      for (let seq = 0; performance.now() < deadline; seq += 1) {
        const sent = performance.now();
        await sink({
          deviceId: `bench-${writer}`,
          ts: 1_780_000_000_000 + seq,
          seq,
          metrics: {
            temperature: 21.5 + (seq % 10) / 10,
            humidity: 40 + (seq % 7),
            door: seq % 2 === 0,
          },
        });
        latencies.push(performance.now() - sent);
        committed += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const heapMb = (heapPeak - heapBefore) / 2 ** 20;
  await opened.close();
  const stored = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM telemetry');
  if (Number(stored.rows[0]?.n) !== committed) {
    throw new Error(`${candidate.name}: ${committed} acknowledged but ${stored.rows[0]?.n} stored`);
  }
  await database.drop();
  latencies.sort((a, b) => a - b);
  const rowsPerSecond = Math.round(committed / elapsed);
  return {
    target,
    benchmark: candidate.name,
    'rows/s': rowsPerSecond,
    'p50 (ms)': round(latencies[Math.floor(latencies.length * 0.5)] ?? 0),
    'p99 (ms)': round(latencies[Math.floor(latencies.length * 0.99)] ?? 0),
    'peak heap (MB)': round(heapMb),
    'vs drizzle': '',
    goal: candidate.name.startsWith('writer')
      ? `≥ ${TARGET_ROWS_PER_S / 1000}k rows/s: ${rowsPerSecond >= TARGET_ROWS_PER_S ? 'met' : 'missed'}`
      : 'baseline',
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const notes: string[] = [];

/** The round with the median rows/s. */
function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => a['rows/s'] - b['rows/s']);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle) throw new Error('no rounds measured');
  return middle;
}

async function runTarget(target: string, adminUrl: string): Promise<Result[]> {
  const results: Result[] = [];
  for (const candidate of candidates) {
    process.stderr.write(`db bench: ${target}: ${candidate.name} for ${DURATION_MS / 1000}s…\n`);
    results.push(await measure(target, adminUrl, candidate));
  }
  const rounds: [Result[], Result[]] = [[], []];
  for (let round = 1; round <= PAIR_ROUNDS; round += 1) {
    for (const [index, candidate] of triggerPair.entries()) {
      process.stderr.write(
        `db bench: ${target}: ${candidate.name}, round ${round}/${PAIR_ROUNDS}, for ${DURATION_MS / 1000}s…\n`,
      );
      rounds[index]?.push(await measure(target, adminUrl, candidate));
    }
  }
  results.push(...rounds.map(median));
  const baseline =
    results.find((result) => result.benchmark.startsWith('drizzle'))?.['rows/s'] ?? 0;
  for (const result of results)
    result['vs drizzle'] = `${(result['rows/s'] / baseline).toFixed(2)}×`;
  const rate = (name: string) => results.find((result) => result.benchmark === name)?.['rows/s'];
  const [marked, unmarked] = [rate('writer (json)'), rate('writer (json), no rollup trigger')];
  if (marked && unmarked)
    notes.push(
      `${target}: writer (json) with the rollup trigger runs at ${((marked / unmarked) * 100).toFixed(0)}% of its rate without it ` +
        `(medians of ${PAIR_ROUNDS} alternating rounds; rows/s with: ${rounds[0].map((r) => r['rows/s']).join(', ')}; without: ${rounds[1].map((r) => r['rows/s']).join(', ')})`,
    );
  return results;
}

const parent = await mkdtemp(join(tmpdir(), 'twinwire-bench-pg-'));
await chmod(parent, 0o755);
const embedded = await startEmbeddedPostgres({ dataDir: join(parent, 'data'), durable: true });
const rows: Result[] = [];
try {
  rows.push(...(await runTarget('embedded (durable)', embedded.url)));
  // DATABASE_URL is the bench's only configuration: any server you want to measure.
  const external = process.env.DATABASE_URL;
  if (external) {
    const probe = createDb({ url: external });
    await migrate(probe.pool).finally(() => probe.close());
    rows.push(...(await runTarget('DATABASE_URL', external)));
  }
} finally {
  await embedded.stop();
  await rm(parent, { recursive: true, force: true });
}
console.log(
  `\n@twinwire/db — telemetry writer: ${WRITERS} concurrent writers, ${DURATION_MS / 1000}s each`,
);
console.table(rows);
for (const note of notes) console.log(note);
