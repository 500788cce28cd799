/**
 * Benchmark 3, idle connections: N devices connected with one subscription each (their own
 * `devices/<id>/commands/#`), doing nothing. Broker memory per connection, and the CPU the
 * broker spends on them while they idle (its housekeeping runs at the production interval).
 * Measured twice, with a fresh broker each: MQTT 3.1.1 devices, then MQTT 5.0 ones.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import type { MqttClient } from 'mqtt';
import type { BrokerStats } from './broker-protocol.ts';
import { closeAll, connectClient, connectFleet } from './clients.ts';
import { loopbackBrokerEnv } from '../src/config.ts';
import { BENCH_SCRYPT_N, benchCredentials, deviceIds, provisionDevices } from './provision.ts';
import { NONE, micros, ms, progress, rate, row, verdict, type Row } from './stats.ts';
import { startOurBroker } from './targets.ts';
import { perConnection, readHeapCensus } from './heap-breakdown.ts';

export interface IdleOptions {
  devices: number;
  concurrency: number;
  /** How long the idle CPU is measured; ≥ 10 s covers one housekeeping sweep. */
  idleMs: number;
  cpuProfileDir: string | undefined;
  /**
   * Writes heap snapshots of the broker at half and all connections there, and reports the
   * heap each connection adds by kind of object (heap-breakdown.ts).
   */
  heapSnapshotDir?: string | undefined;
}

/** Heap per connection by kind of object, the largest first. */
export type HeapTable = {
  version: string;
  category: string;
  'bytes/conn': string;
  'objects/conn': string;
}[];

const BYTES_PER_CONNECTION_TARGET = 16 * 1024;
/** Each connection costs one descriptor on each side; keep a margin for everything else. */
const DESCRIPTOR_MARGIN = 500;

const VERSIONS = { 4: 'MQTT 3.1.1', 5: 'MQTT 5' } as const;

export async function benchIdleConnections(
  adminUrl: string,
  options: IdleOptions,
): Promise<{ rows: Row[]; notes: string[]; heap: HeapTable }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const heap: HeapTable = [];
  const snapshots: Snapshots[] = [];
  for (const protocolVersion of [4, 5] as const) {
    const measured = await measureIdle(adminUrl, options, protocolVersion);
    rows.push(...measured.rows);
    if (measured.snapshots) snapshots.push(measured.snapshots);
    notes.push(...measured.notes.map((note) => `${VERSIONS[protocolVersion]}: ${note}`));
  }
  notes.push(
    'Each version has a broker of its own, started fresh; the devices differ only in the CONNECT’s protocol level.',
    'memory/conn = (broker RSS after − before) / connections, each read after a full GC in the broker process; heap = V8 heapUsed (live JS objects); external = memory V8 tracks outside its heap (Buffers). RSS also holds V8 heap headroom and malloc arenas, so it moves in steps.',
    `Bench credentials use scrypt N=${BENCH_SCRYPT_N} (production: N=16384, ~47 ms CPU per first connect); one hash is reused for every credential row.`,
    'Idle CPU includes the broker housekeeping at its production interval (10 s): revocation sweep, session expiry and last-seen flush. SQL/s: transactions the broker ran on its database meanwhile (pg_stat_database).',
  );
  for (const pair of snapshots) heap.push(...(await heapTable(pair, notes)));
  return { rows, notes, heap };
}

async function measureIdle(
  adminUrl: string,
  options: IdleOptions,
  protocolVersion: 4 | 5,
): Promise<{ rows: Row[]; notes: string[]; snapshots: Snapshots | undefined }> {
  const version = VERSIONS[protocolVersion];
  let snapshots: Snapshots | undefined;
  const notes: string[] = [];
  const limit = openFileLimit();
  let count = options.devices;
  if (limit !== undefined && count > limit - DESCRIPTOR_MARGIN) {
    count = Math.max(100, limit - DESCRIPTOR_MARGIN);
    notes.push(
      `REDUCED: ulimit -n is ${limit}, so ${count} connections instead of ${options.devices} (raise the limit to run the full size).`,
    );
  }

  const database = await createTestDatabase(adminUrl);
  const ids = deviceIds(`idle${protocolVersion}`, count);
  const credentials = benchCredentials();
  progress(`idle (${version}): provisioning ${count} devices`);
  await provisionDevices(database.db, ids, credentials);
  const broker = await startOurBroker({
    env: loopbackBrokerEnv(credentials.secret, {
      LOG_LEVEL: 'warn',
      // Every handshake under way may wait for its hash: room for all of them, so that a
      // busy machine slows the connects down instead of refusing them as busy (0x89).
      LOGIN_HASH_QUEUE: String(options.concurrency),
    }),
    databaseUrl: database.url,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  const rows: Row[] = [];
  const clients: MqttClient[] = [];
  try {
    await sleep(500);
    const before = await broker.stats({ gc: true });
    // Two halves, measured apart: the second half's cost per connection against the first
    // shows what grows with the number already connected, and the memory slope between
    // them leaves out one-off costs (lazily built caches, JIT code) the first half pays.
    const half = Math.floor(count / 2);
    const connect = async (from: number, to: number) => {
      progress(
        `idle (${version}): connecting devices ${from + 1}–${to}, ${options.concurrency} at a time`,
      );
      const cpuBefore = broker.cpuMicros();
      const fleet = await connectFleet(to - from, options.concurrency, async (index) => {
        const id = ids[from + index]!;
        const client = await connectClient(broker.mqttPort, {
          clientId: id,
          username: id,
          password: credentials.secret,
          protocolVersion,
        });
        clients.push(client);
        const [grant] = await client.subscribeAsync(`devices/${id}/commands/#`, { qos: 1 });
        if (grant?.qos !== 1) throw new Error(`subscription refused for ${id}`);
        return client;
      });
      const cpu = broker.cpuMicros() - cpuBefore;
      // Presence writes (one UPDATE and one retained status per device) finish after CONNACK.
      await sleep(1_500);
      const stats = await broker.stats({ gc: true });
      return { from, to, fleet, cpu, stats };
    };
    const snapshotPath = (connected: number) =>
      join(options.heapSnapshotDir!, `idle-mqtt${protocolVersion}-${connected}.heapsnapshot`);
    const first = await connect(0, half);
    if (options.heapSnapshotDir) await broker.heapSnapshot(snapshotPath(half));
    const second = await connect(half, count);
    if (options.heapSnapshotDir) {
      await broker.heapSnapshot(snapshotPath(count));
      snapshots = {
        version,
        half: snapshotPath(half),
        all: snapshotPath(count),
        added: count - half,
      };
    }

    progress(`idle (${version}): measuring idle CPU for ${options.idleMs / 1000}s`);
    const idleBefore = broker.cpuMicros();
    const transactionsBefore = await transactions(database);
    await sleep(options.idleMs);
    const idleCpu = broker.cpuMicros() - idleBefore;
    // Statistics reach pg_stat_database within about a second of each transaction.
    await sleep(1_000);
    const sqlPerSecond =
      ((await transactions(database)) - transactionsBefore) / (options.idleMs / 1000);

    for (const part of [first, second]) {
      const n = part.to - part.from;
      rows.push(
        row({
          benchmark: `${version}: connect + subscribe devices ${part.from + 1}–${part.to} (${options.concurrency} at a time, scrypt N=${BENCH_SCRYPT_N})`,
          'msgs/s': `${rate(n / (part.fleet.elapsedMs / 1000))} conn/s`,
          'p50 (ms)': ms(part.fleet.latencies.quantile(0.5)),
          'p99 (ms)': ms(part.fleet.latencies.quantile(0.99)),
          'CPU µs/msg': `${micros(part.cpu / n)} /conn`,
          memory: `${(part.fleet.elapsedMs / 1000).toFixed(1)} s`,
        }),
      );
    }
    const after = second.stats;
    rows.push(
      memoryRow(
        `${version}: memory per idle connection (${count} connected)`,
        count,
        before,
        after,
        true,
      ),
      memoryRow(
        `${version}: marginal memory, connections ${half + 1}–${count}`,
        count - half,
        first.stats,
        after,
        false,
      ),
      row({
        benchmark: `${version}: idle, ${count} connected (${options.idleMs / 1000}s)`,
        'msgs/s': `${rate(sqlPerSecond)} SQL/s`,
        'CPU µs/msg': `${((idleCpu / options.idleMs / 1000) * 100).toFixed(1)}% of a core`,
        memory: `${mebibytes(after.rss)} MiB RSS`,
      }),
    );
    notes.push(
      `RSS ${mebibytes(before.rss)} → ${mebibytes(first.stats.rss)} → ${mebibytes(after.rss)} MiB, heapUsed ${mebibytes(before.heapUsed)} → ${mebibytes(first.stats.heapUsed)} → ${mebibytes(after.heapUsed)} MiB, external ${mebibytes(before.external)} → ${mebibytes(after.external)} MiB (0 → ${half} → ${count} connections).`,
    );
  } finally {
    progress(`idle (${version}): disconnecting`);
    await closeAll(clients);
    await broker.stop();
    await database.drop();
    const crash = broker.crashed();
    if (crash) notes.push(`CRASH: ${crash} (its stderr went to this run's stderr).`);
  }
  return { rows, notes, snapshots };
}

/** The two heap snapshots of one broker, and the connections made between them. */
interface Snapshots {
  version: string;
  half: string;
  all: string;
  added: number;
}

const HEAP_TABLE_ROWS = 20;

/**
 * Read after every broker is done: parsing a snapshot takes this process's heap to
 * gigabytes, and the clients of a broker still measured would wait on its collector.
 */
async function heapTable(snapshots: Snapshots, notes: string[]): Promise<HeapTable> {
  progress(`idle (${snapshots.version}): reading the heap snapshots`);
  const grown = perConnection(
    await readHeapCensus(snapshots.half),
    await readHeapCensus(snapshots.all),
    snapshots.added,
  );
  const total = grown.reduce((sum, entry) => sum + entry.bytes, 0);
  notes.push(
    `${snapshots.version}: ${(total / 1024).toFixed(1)} KiB of heap objects per connection added (snapshots ${snapshots.half}, ${snapshots.all}); the ${HEAP_TABLE_ROWS} largest kinds are in the heap table. RSS figures of a run with heap snapshots are not comparable: writing a snapshot grows the broker’s RSS.`,
  );
  return grown.slice(0, HEAP_TABLE_ROWS).map((entry) => ({
    version: snapshots.version,
    category: entry.category,
    'bytes/conn': entry.bytes.toFixed(0),
    'objects/conn': entry.objects.toFixed(2),
  }));
}

function memoryRow(
  benchmark: string,
  count: number,
  before: BrokerStats,
  after: BrokerStats,
  graded: boolean,
): Row {
  const perConnection = (after.rss - before.rss) / count;
  const heap = (after.heapUsed - before.heapUsed) / count;
  const external = (after.external - before.external) / count;
  const target = `≤ ${BYTES_PER_CONNECTION_TARGET / 1024} KB/conn RSS`;
  return row({
    benchmark,
    memory: `${kib(perConnection)} KiB RSS/conn (heap ${kib(heap)}, external ${kib(external)})`,
    target: graded ? `${target}: ${verdict(perConnection <= BYTES_PER_CONNECTION_TARGET)}` : NONE,
  });
}

async function transactions(database: TestDatabase): Promise<number> {
  const result = await database.pool.query<{ n: string }>(
    'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(result.rows[0]?.n ?? 0);
}

function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

/** The soft descriptor limit this process (and its children) run under, from the shell. */
function openFileLimit(): number | undefined {
  try {
    const value = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return value === 'unlimited' ? undefined : Number(value);
  } catch {
    return undefined;
  }
}
