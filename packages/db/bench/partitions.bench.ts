/**
 * Telemetry at scale (issue #17), never in CI: `pnpm --filter @twinwire/db bench:partitions
 * [--rows N] [--devices N] [--days N] [--runs N] [--dir PATH]`.
 *
 * Loads N readings (default 100 million) across 1,000 devices over 30 days with COPY into a
 * durable embedded PostgreSQL (fsync on) at the schema before partitioning (0008), then
 * measures: migration 0010 (the rewrite into day partitions), one device's 30 days in
 * 1-hour buckets (what the API answers for `points=1000`) through the rollup and from raw
 * rows, p50/p99 over `--runs`, and retention of one day by dropping its partition beside the
 * batched DELETE it replaces. Checks free disk first and refuses when there is not enough.
 */
import { statfs, chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { from as copyFrom } from 'pg-copy-streams';
import { createDb } from '../src/client.ts';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { migrate, migrationsFolder } from '../src/migrate.ts';
import { readTelemetryBuckets } from '../src/telemetry/buckets.ts';
import { deleteTelemetryBefore } from '../src/telemetry/queries.ts';
import { applyTelemetryRetention } from '../src/telemetry/retention.ts';
import { refreshTelemetryRollup } from '../src/telemetry/rollup.ts';
import { utcDay } from '../src/telemetry/partitions.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
// Heap tuple, primary-key entry and line pointers of one reading, measured at ~150 bytes
// (printed below as "stored"), plus WAL and checkpoint headroom.
const BYTES_PER_ROW = 200;
const HEADROOM_BYTES = 4 * 2 ** 30;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000000' },
    devices: { type: 'string', default: '1000' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '200' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const ROWS = Number(values.rows);
const DEVICES = Number(values.devices);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

const disk = await statfs(values.dir);
const free = disk.bavail * disk.bsize;
// The rows twice: the pre-0010 table and its partitioned copy coexist until 0010 commits.
const needed = 2 * ROWS * BYTES_PER_ROW + HEADROOM_BYTES;
console.log(
  `${ROWS.toLocaleString('en-US')} readings need about ${gib(needed)} in ${values.dir}; ${gib(free)} free`,
);
if (free < needed) {
  console.error('not enough free disk: pass --rows to shrink the load or --dir elsewhere');
  process.exit(1);
}

const parent = await mkdtemp(join(values.dir, 'twinwire-partitions-bench-'));
await chmod(parent, 0o755);
const server = await startEmbeddedPostgres({ dataDir: join(parent, 'data') });
const client = createDb({ url: server.url, maxConnections: 4 });
try {
  // The schema before partitioning: a copy of the migrations without 0010 and later.
  const before0010 = join(parent, 'migrations');
  await mkdir(before0010);
  await cp(migrationsFolder, before0010, { recursive: true });
  const journalPath = join(before0010, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < '0010');
  await writeFile(journalPath, JSON.stringify(journal));
  await migrate(client.pool, before0010);

  const end = utcDay(Date.now());
  const start = end - DAYS * DAY;
  const stepMs = (DAYS * DAY) / ROWS;
  const loadStarted = performance.now();
  const loader = await client.pool.connect();
  try {
    // Loaded data has no rollup yet: the measured device's minutes are marked below instead
    // of logging every device's (a rollup of 1,000 devices × 30 days is the refresher's job).
    await loader.query('ALTER TABLE telemetry DISABLE TRIGGER USER');
    await pipeline(
      Readable.from(readings(start, stepMs)),
      loader.query(copyFrom('COPY telemetry (device_id, ts, seq, metrics) FROM STDIN')),
    );
    await loader.query('ALTER TABLE telemetry ENABLE TRIGGER USER');
  } finally {
    loader.release();
  }
  const loadS = (performance.now() - loadStarted) / 1000;
  await client.pool.query('VACUUM (ANALYZE) telemetry');

  // The measured device's rollup, built before 0010 (which keeps the rollup tables as they are).
  const device = 'device-0042';
  await client.pool.query(
    `INSERT INTO telemetry_rollup_dirty (device_id, minute)
     SELECT DISTINCT device_id, date_bin('1 minute', ts, timestamptz 'epoch') FROM telemetry
     WHERE device_id = $1 ON CONFLICT DO NOTHING`,
    [device],
  );
  const rollupStarted = performance.now();
  const rollup = await refreshTelemetryRollup(client.db, { deviceId: device });
  const rollupS = (performance.now() - rollupStarted) / 1000;

  const query = { deviceId: device, from: end - 30 * DAY, to: end, bucketMs: HOUR };
  const measureQueries = async () => ({
    rollup: await timeRuns(() => readTelemetryBuckets(client.db, query)),
    raw: await timeRuns(() => readTelemetryBuckets(client.db, { ...query, source: 'raw' })),
  });
  const unpartitioned = await measureQueries();

  const migrateStarted = performance.now();
  await migrate(client.pool);
  const migrateS = (performance.now() - migrateStarted) / 1000;
  await client.pool.query('ANALYZE telemetry');
  const stored = await client.pool.query<{ bytes: string; partitions: number }>(`
    SELECT sum(pg_total_relation_size(inhrelid))::text AS bytes, count(*)::int AS partitions
    FROM pg_inherits WHERE inhparent = 'telemetry'::regclass`);
  const storedBytes = Number(stored.rows[0]?.bytes);
  const partitioned = await measureQueries();

  const dropStarted = performance.now();
  const retention = await applyTelemetryRetention(client.db, { before: start + DAY });
  const dropMs = performance.now() - dropStarted;
  const deleteStarted = performance.now();
  const deleted = await deleteTelemetryBefore(client.db, { before: start + 2 * DAY });
  const deleteMs = performance.now() - deleteStarted;

  const perMillion = (seconds: number) => `${((seconds * 1e6) / ROWS).toFixed(1)} s per million`;
  console.log(
    `\n@twinwire/db — telemetry partitions: ${ROWS.toLocaleString('en-US')} readings, ` +
      `${DEVICES} devices, ${DAYS} days, fsync on\n`,
  );
  console.table([
    {
      step: 'load (COPY, pre-0010 table)',
      result: `${loadS.toFixed(1)} s`,
      note: perMillion(loadS),
    },
    {
      step: 'migration 0010 (rewrite into day partitions)',
      result: `${migrateS.toFixed(1)} s`,
      note: perMillion(migrateS),
    },
    {
      step: `stored (${stored.rows[0]?.partitions} partitions, with indexes)`,
      result: gib(storedBytes),
      note: `${(storedBytes / ROWS).toFixed(0)} bytes per reading`,
    },
    {
      step: `rollup of ${device} (${rollup.minutes.toLocaleString('en-US')} minutes)`,
      result: `${rollupS.toFixed(1)} s`,
      note: '',
    },
    ...(
      [
        ['rollup', 'partitioned', partitioned.rollup],
        ['rollup', 'before 0010', unpartitioned.rollup],
        ['raw rows', 'partitioned', partitioned.raw],
        ['raw rows', 'before 0010', unpartitioned.raw],
      ] as const
    ).map(([source, table, times]) => ({
      step: `30 days → 1 h buckets, ${source}, ${table}`,
      result: `p50 ${times.p50.toFixed(1)} ms`,
      note: `p99 ${times.p99.toFixed(1)} ms (${RUNS} runs)`,
    })),
    {
      step: 'retention: drop one day partition',
      result: `${dropMs.toFixed(0)} ms`,
      note: `${retention.dropped.join(', ')} (${Math.round(ROWS / DAYS).toLocaleString('en-US')} readings)`,
    },
    {
      step: 'baseline: batched DELETE of one day',
      result: `${deleteMs.toFixed(0)} ms`,
      note: `${deleted.toLocaleString('en-US')} readings, 10,000 per batch`,
    },
  ]);
} finally {
  await client.close();
  await server.stop();
  await rm(parent, { recursive: true, force: true });
}

/** COPY text lines, oldest first, devices interleaved as they report. */
async function* readings(start: number, stepMs: number): AsyncGenerator<string> {
  const chunk: string[] = [];
  for (let row = 0; row < ROWS; row += 1) {
    const ts = new Date(start + Math.floor(row * stepMs)).toISOString();
    const device = `device-${String(row % DEVICES).padStart(4, '0')}`;
    const seq = Math.floor(row / DEVICES);
    chunk.push(
      `${device}\t${ts}\t${seq}\t{"temperature": ${(20 + (row % 97) / 10).toFixed(1)}, "ok": ${row % 2 === 0}}\n`,
    );
    if (chunk.length === 10_000) {
      yield chunk.join('');
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}

async function timeRuns(run: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  await run();
  const times: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}
