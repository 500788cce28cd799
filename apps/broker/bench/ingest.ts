/**
 * Benchmark 2, durable ingest: devices publish telemetry through the whole pipeline (auth,
 * ACL, validation, group commit into PostgreSQL). QoS 1 with a small window per device:
 * committed rows/s and publish→PUBACK latency, with every acknowledged reading counted
 * back in the table. Then QoS 0 at a fixed offered rate: rows stored and readings dropped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { provisionDevice } from '@twinwire/testing/provision';
import { loopbackBrokerEnv } from '../src/config.ts';
import { connectFleet } from './clients.ts';
import { closeLeanFleet, describeFailures, LeanDevice } from './lean-device.ts';
import { BENCH_SCRYPT_N, benchCredentials, deviceIds, provisionDevices } from './provision.ts';
import { runQos0, runQos1, type Qos0Result, type Qos1Result } from './ingest-load.ts';
import { CpuAccount } from './machine.ts';
import { mib, micros, ms, progress, rate, row, verdict, type Row } from './stats.ts';
import { startOurBroker, type OurBroker } from './targets.ts';

export interface IngestOptions {
  devices: number;
  /** QoS 1 readings a device may have awaiting PUBACK. */
  window: number;
  measureMs: number;
  /** Offered QoS 0 readings per second across all devices, one run each. */
  qos0Rates: number[];
  qos0MeasureMs: number;
  /** Devices with production-strength credentials, to price a first connect honestly. */
  productionScryptDevices: number;
  /** Alarm rules on every device for a second QoS 1 run (0: none). */
  alarmRules: number;
  cpuProfileDir: string | undefined;
  /** Which PostgreSQL the run uses, for the notes. */
  postgresLabel: string;
}

const ROWS_TARGET = 30_000;
const CONNECT_CONCURRENCY = 200;
const CORES = availableParallelism();

export async function benchIngest(
  adminUrl: string,
  options: IngestOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const database = await createTestDatabase(adminUrl);
  const ids = deviceIds('ingest', options.devices);
  const credentials = benchCredentials();
  progress(`ingest: provisioning ${options.devices} devices`);
  await provisionDevices(database.db, ids, credentials);
  const production = await provisionProductionDevices(database, options.productionScryptDevices);

  const broker = await startOurBroker({
    env: loopbackBrokerEnv(credentials.secret, { LOG_LEVEL: 'warn' }),
    databaseUrl: database.url,
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
  });
  const connected: LeanDevice[] = [];
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    progress(`ingest: connecting ${options.devices} devices, ${CONNECT_CONCURRENCY} at a time`);
    const cpuBefore = broker.cpuMicros();
    const fleet = await connectFleet(options.devices, CONNECT_CONCURRENCY, (index) =>
      LeanDevice.connect(broker.mqttPort, {
        clientId: ids[index]!,
        username: ids[index]!,
        password: credentials.secret,
      }),
    );
    connected.push(...fleet.clients);
    const connectCpu = broker.cpuMicros() - cpuBefore;
    rows.push(
      row({
        benchmark: `connect ${options.devices} devices (${CONNECT_CONCURRENCY} at a time, scrypt N=${BENCH_SCRYPT_N})`,
        'msgs/s': `${rate(options.devices / (fleet.elapsedMs / 1000))} conn/s`,
        'p50 (ms)': ms(fleet.latencies.quantile(0.5)),
        'p99 (ms)': ms(fleet.latencies.quantile(0.99)),
        'CPU µs/msg': `${micros(connectCpu / options.devices)} /conn`,
        memory: `${(fleet.elapsedMs / 1000).toFixed(1)} s total`,
      }),
    );
    if (production.length > 0) {
      rows.push(await productionConnects(broker, production));
    }

    progress(`ingest: QoS 1 telemetry from ${options.devices} devices, window ${options.window}`);
    const account = new CpuAccount(() => broker.cpuMicros(), postgresPort(adminUrl));
    const qos1 = await runQos1(broker, fleet.clients, ids, options, account);
    const stored = await countRows(database);
    rows.push(qos1Row(qos1, stored, options));

    notes.push(`CPU cores used, QoS 1: ${CpuAccount.format(qos1.cpu)}`);
    if (options.alarmRules > 0) {
      progress(`ingest: QoS 1 again with ${options.alarmRules} alarm rules on every device`);
      await addAlarmRules(database, options.alarmRules);
      const storedBefore = await countRows(database);
      const withRules = await runQos1(broker, fleet.clients, ids, options, account);
      const storedWithRules = (await countRows(database)) - storedBefore;
      rows.push(qos1Row(withRules, storedWithRules, options, `${options.alarmRules} alarm rules`));
      notes.push(
        `Alarm rules: ${options.alarmRules} rules on every device (metric temperature, none ever holding) cost ` +
          `${micros(withRules.cpuMicrosPerRow - qos1.cpuMicrosPerRow)} broker CPU µs a reading ` +
          `(${(withRules.cpuMicrosPerRow / qos1.cpuMicrosPerRow).toFixed(2)}× the run without rules).`,
      );
    }
    for (const offered of options.qos0Rates) {
      progress(`ingest: QoS 0 telemetry offered at ${offered}/s`);
      const qos0 = await runQos0(
        broker,
        fleet.clients,
        ids,
        { rate: offered, measureMs: options.qos0MeasureMs },
        () => countRows(database),
        account,
      );
      rows.push(qos0Row(qos0));
      notes.push(`CPU cores used, QoS 0 @ ${rate(offered)}/s: ${CpuAccount.format(qos0.cpu)}`);
    }
    const failures = describeFailures(fleet.clients);
    if (failures) notes.push(`ERRORS: ${failures}.`);
  } finally {
    await closeLeanFleet(connected);
    await broker.stop();
    await database.drop();
    const crash = broker.crashed();
    if (crash) notes.push(`CRASH: ${crash} (its stderr went to this run's stderr).`);
  }
  return {
    rows,
    notes: [
      ...notes,
      `"others" is load from outside this bench (the machine is shared). "on ${CORES} free cores" scales the measured rate by ${CORES} / (broker + load-gen + pg cores used): what this machine would do if nothing else ran, assuming linear scaling.`,
      `PostgreSQL: ${options.postgresLabel}, on the same ${CORES}-core machine as the broker and the ${options.devices} devices: lean MQTT clients built on mqtt-packet, in the bench process.`,
      `Bench devices authenticate against credentials hashed with scrypt N=${BENCH_SCRYPT_N} (one hash shared by all rows): the real verification path at a bench-only cost; the production-scrypt row prices a first connect with N=16384.`,
      'Readings: {"ts": now, "seq": n, "metrics": {temperature, humidity, door}} on devices/<id>/telemetry; CPU µs per reading = broker process CPU / readings in the window.',
    ],
  };
}

async function provisionProductionDevices(database: TestDatabase, count: number) {
  const ids = deviceIds('scrypt', count);
  return Promise.all(ids.map((id) => provisionDevice(database.db, id)));
}

/** First connects of devices whose credentials use production scrypt, all at once. */
async function productionConnects(
  broker: OurBroker,
  production: { id: string; secret: string }[],
): Promise<Row> {
  progress(`ingest: ${production.length} first connects with production scrypt`);
  const cpuBefore = broker.cpuMicros();
  const fleet = await connectFleet(production.length, production.length, (index) =>
    LeanDevice.connect(broker.mqttPort, {
      clientId: production[index]!.id,
      username: production[index]!.id,
      password: production[index]!.secret,
    }),
  );
  const cpu = broker.cpuMicros() - cpuBefore;
  await closeLeanFleet(fleet.clients);
  return row({
    benchmark: `first connect, production scrypt N=16384 (${production.length} at once)`,
    'msgs/s': `${rate(production.length / (fleet.elapsedMs / 1000))} conn/s`,
    'p50 (ms)': ms(fleet.latencies.quantile(0.5)),
    'p99 (ms)': ms(fleet.latencies.quantile(0.99)),
    'CPU µs/msg': `${micros(cpu / production.length)} /conn`,
  });
}

/** Our PostgreSQL's port, to account its processes' CPU; none for a remote DATABASE_URL. */
function postgresPort(adminUrl: string): number | undefined {
  const url = new URL(adminUrl);
  return ['127.0.0.1', 'localhost'].includes(url.hostname) ? Number(url.port || 5432) : undefined;
}

/** Rules that apply to every device and never hold: evaluation cost with no transitions. */
async function addAlarmRules(database: TestDatabase, count: number): Promise<void> {
  await database.pool.query(
    `INSERT INTO alarm_rules (name, metric, condition, severity, message)
     SELECT 'bench ' || n, 'temperature', jsonb_build_object('op', '>', 'value', 1000 + n),
       'info', '{device}' FROM generate_series(1, $1::int) AS n`,
    [count],
  );
  // The broker reloads its rules on NOTIFY; the bench cannot ask it when it has.
  await sleep(2_000);
}

async function countRows(database: TestDatabase): Promise<number> {
  const result = await database.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM telemetry',
  );
  return result.rows[0]?.n ?? 0;
}

function qos1Row(
  result: Qos1Result,
  stored: number,
  options: IngestOptions,
  withRules?: string,
): Row {
  const consistent = stored === result.ackedTotal;
  const ours = result.cpu.broker + result.cpu.bench + result.cpu.postgres;
  const projected = (result.rowsPerSecond * CORES) / ours;
  return row({
    benchmark: `QoS 1 telemetry, ${options.devices} devices × window ${options.window}${withRules ? `, ${withRules}` : ''}`,
    'msgs/s': `${rate(result.rowsPerSecond)} rows/s`,
    'p50 (ms)': ms(result.latencies.quantile(0.5)),
    'p99 (ms)': ms(result.latencies.quantile(0.99)),
    'CPU µs/msg': micros(result.cpuMicrosPerRow),
    memory: mib(result.rss),
    target:
      `≥ ${ROWS_TARGET / 1000}k rows/s: ${verdict(result.rowsPerSecond >= ROWS_TARGET)} ` +
      `(on ${CORES} free cores ≈ ${rate(projected)}: ${verdict(projected >= ROWS_TARGET)}); ` +
      `acked ${result.ackedTotal} == stored ${stored}: ${consistent ? 'yes' : 'NO'}` +
      (result.errors > 0 ? `; ${result.errors} publish errors` : ''),
  });
}

function qos0Row(result: Qos0Result): Row {
  const parts = [`stored ${result.stored}`, `dropped ${result.dropped}`];
  if (result.invalid > 0) parts.push(`invalid ${result.invalid}`);
  if (result.unsettled > 0) parts.push(`${result.unsettled} not yet landed`);
  const balanced =
    result.sent === result.stored + result.dropped + result.invalid + result.unsettled;
  const unsent = result.unsent > 0 ? `; ${result.unsent} unsent, their device disconnected` : '';
  return row({
    benchmark: `QoS 0 telemetry, offered ${rate(result.offeredPerSecond)}/s`,
    'msgs/s': `${rate(result.storedPerSecond)} rows/s`,
    'CPU µs/msg': micros(result.cpuMicrosPerReading),
    memory: mib(result.rss),
    target: `sent ${result.sent} = ${parts.join(' + ')}: ${balanced ? 'yes' : 'NO'} (dropped: qos0_dropped_total)${unsent}`,
  });
}
