/**
 * `pnpm --filter @twinwire/broker bench`: the broker's benchmarks in sequence, one table
 * each. `QUICK=1` (or `--quick`) runs tiny sizes as a smoke test. `DATABASE_URL` points
 * the bench at an existing PostgreSQL (it creates and drops its own databases there);
 * otherwise a throwaway embedded one is started, durable (fsync on) as a deployment runs it:
 * the ingest rows measure the guarantee we sell. `BENCH_FSYNC=off` starts it with fsync off,
 * to tell what the disk costs. `BENCH_ONLY=routing,fanout,ingest,idle,logins,shared,alarms` picks
 * benchmarks (`shared` runs its two-broker rows with `REDIS_URL`); `BENCH_CPU_PROF=<dir>` writes V8 CPU profiles of the broker processes there;
 * `BENCH_HEAP_SNAPSHOT=<dir>` writes heap snapshots of the idle bench's brokers there and
 * prints the heap per connection by kind of object.
 * Targets are reported as met or missed; a missed target never fails the run.
 */
import { availableParallelism, loadavg } from 'node:os';
import { startTestPostgres } from '@twinwire/db/testing';
import { createServiceSecret } from '@twinwire/testing/service-secret';
import { benchAlarmRules } from './alarm-rules.ts';
import { benchFanOut } from './fan-out.ts';
import { benchIdleConnections } from './idle-connections.ts';
import { benchIngest } from './ingest.ts';
import { benchLoginFlood } from './login-flood.ts';
import { benchRouting } from './routing.ts';
import { benchSharedGroups } from './shared-groups.ts';
import { progress } from './stats.ts';

const quick = process.env.QUICK === '1' || process.argv.includes('--quick');
const cpuProfileDir = process.env.BENCH_CPU_PROF || undefined;
const only = process.env.BENCH_ONLY?.split(',');
const serviceSecret = createServiceSecret();

const sizes = quick
  ? {
      routing: {
        publishers: 10,
        rates: [2_000],
        rounds: 1,
        phases: { warmupMs: 300, measureMs: 700, window: { qos0: 20, qos1: 10 } },
      },
      ingest: {
        devices: 50,
        window: 2,
        measureMs: 1_000,
        qos0Rates: [1_000, 4_000],
        qos0MeasureMs: 500,
        productionScryptDevices: 4,
        alarmRules: 100,
      },
      fanout: { subscribers: 50, rate: 100, warmupMs: 300, measureMs: 700, rounds: 1 },
      alarms: { rules: 100, devices: 50, readings: 200 },
      idle: { devices: 300, concurrency: 100, idleMs: 1_000 },
      logins: { devices: 20, floodClients: 4, windowMs: 1_000 },
      shared: { messages: 2_000, publishers: 2, window: 50 },
    }
  : {
      routing: {
        publishers: 50,
        rates: [10_000, 20_000],
        rounds: 3,
        phases: { warmupMs: 600, measureMs: 2_000, window: { qos0: 20, qos1: 10 } },
      },
      ingest: {
        devices: 1_000,
        window: 2,
        measureMs: 10_000,
        qos0Rates: [20_000, 40_000],
        qos0MeasureMs: 3_000,
        productionScryptDevices: 40,
        alarmRules: 1_000,
      },
      fanout: { subscribers: 1_000, rate: 20, warmupMs: 1_000, measureMs: 4_000, rounds: 3 },
      alarms: { rules: 1_000, devices: 1_000, readings: 1_000 },
      idle: { devices: 19_000, concurrency: 200, idleMs: 10_000 },
      logins: { devices: 200, floodClients: 40, windowMs: 8_000 },
      shared: { messages: 40_000, publishers: 4, window: 100 },
    };

const selected = (name: string) => !only || only.includes(name);
console.log(
  `@twinwire/broker benchmarks — ${quick ? 'QUICK smoke run: tiny sizes, numbers mean nothing' : 'full run'}; ` +
    `Node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(2)} at start`,
);
progress(`${quick ? 'QUICK run' : 'full run'}; starting PostgreSQL`);
const fsync = process.env.BENCH_FSYNC !== 'off';
const postgres = await startTestPostgres(process.env.DATABASE_URL, { durable: fsync });
try {
  if (selected('routing')) {
    const routing = await benchRouting(postgres.url, {
      ...sizes.routing,
      serviceSecret,
      cpuProfileDir,
    });
    console.log('\n@twinwire/broker — 1. routing: publishers → 1 subscriber');
    console.table(routing.rows);
    console.log('latency detail:');
    console.table(routing.details);
    for (const note of routing.notes) console.log(`  · ${note}`);
  }
  if (selected('fanout')) {
    const fanOut = await benchFanOut(postgres.url, {
      ...sizes.fanout,
      serviceSecret,
      cpuProfileDir,
    });
    console.log('\n@twinwire/broker — fan-out: 1 publisher → many subscribers');
    console.table(fanOut.rows);
    for (const note of fanOut.notes) console.log(`  · ${note}`);
  }
  if (selected('ingest')) {
    const ingest = await benchIngest(postgres.url, {
      ...sizes.ingest,
      cpuProfileDir,
      postgresLabel: process.env.DATABASE_URL
        ? 'DATABASE_URL'
        : fsync
          ? 'embedded throwaway cluster, durable (fsync on, synchronous_commit on)'
          : 'embedded throwaway cluster, BENCH_FSYNC=off (fsync off, synchronous_commit off)',
    });
    console.log('\n@twinwire/broker — 2. durable telemetry ingest');
    console.table(ingest.rows);
    for (const note of ingest.notes) console.log(`  · ${note}`);
  }
  if (selected('idle')) {
    const idle = await benchIdleConnections(postgres.url, {
      ...sizes.idle,
      cpuProfileDir,
      heapSnapshotDir: process.env.BENCH_HEAP_SNAPSHOT || undefined,
    });
    console.log('\n@twinwire/broker — 3. idle connections');
    console.table(idle.rows);
    if (idle.heap.length > 0) {
      console.log('heap per connection by kind of object:');
      console.table(idle.heap);
    }
    for (const note of idle.notes) console.log(`  · ${note}`);
  }
  if (selected('logins')) {
    const logins = await benchLoginFlood(postgres.url, { ...sizes.logins, serviceSecret });
    console.log('\n@twinwire/broker — 4. logins under a bad-password flood');
    console.table(logins.rows);
    for (const note of logins.notes) console.log(`  · ${note}`);
  }
  if (selected('shared')) {
    const shared = await benchSharedGroups(postgres.url, {
      ...sizes.shared,
      serviceSecret,
      redisUrl: process.env.REDIS_URL,
    });
    console.log('\n@twinwire/broker — 5. shared subscription groups');
    console.table(shared.rows);
    for (const note of shared.notes) console.log(`  · ${note}`);
  }
  if (selected('alarms')) {
    const alarms = await benchAlarmRules(postgres.url, sizes.alarms);
    console.log('\n@twinwire/broker — 6. alarm rule evaluation per reading');
    console.table(alarms.rows);
    for (const note of alarms.notes) console.log(`  · ${note}`);
  }
} finally {
  await postgres.stop();
}
progress('done');
