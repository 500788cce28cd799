/**
 * Telemetry bucket queries through the real HTTP route: one device with 30 days of 1 Hz
 * readings, charted as ~1,000 points over 1 day and over 30 days, answered from the rollup
 * (minute rows for the 2-minute buckets of a day, hour rows for the 1-hour buckets of 30
 * days). Beside them, in the same run: the same buckets aggregated from raw rows (the SQL
 * alone, no HTTP: what the route did before the rollup), and the cost of catching the rollup
 * up after the bulk load.
 */
import { performance } from 'node:perf_hooks';
import { createAclStore } from '@twinwire/db/acl-store';
import { devices } from '@twinwire/db/schema';
import { readTelemetryBuckets } from '@twinwire/db/telemetry-buckets';
import { refreshTelemetryRollup } from '@twinwire/db/telemetry-rollup';
import { createTelemetryWriter } from '@twinwire/db/telemetry-writer';
import { createTestDatabase, startTestPostgres } from '@twinwire/db/testing';
import { buildApp } from '../src/app.ts';
import { readApiConfig } from '../src/config.ts';
import { signHs256 } from '../test/helpers/sign-jwt.ts';

const DEVICE = 'bench-device';
const DAY = 86_400_000;
const DAYS = 30;
const START = Date.UTC(2026, 0, 1);
const END = START + DAYS * DAY;
const REQUESTS = 30;
/** Raw aggregation of 30 days takes seconds a request: a few are enough to compare. */
const RAW_REQUESTS = { day: 10, month: 3 };
const TARGET_P99_MS = 100;
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';

interface Row {
  benchmark: string;
  requests: number;
  'p50 (ms)': number;
  'p99 (ms)': number;
  target: string;
  met: string;
}

const round = (value: number) => Math.round(value * 10) / 10;

async function time(requests: number, run: () => Promise<unknown>, warmups = 2): Promise<number[]> {
  for (let warmup = 0; warmup < warmups; warmup += 1) await run();
  const latencies: number[] = [];
  for (let request = 0; request < requests; request += 1) {
    const started = performance.now();
    await run();
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

/** `target`: a p99 goal in ms, 'baseline' for the raw-rows comparison, or none. */
function row(benchmark: string, latencies: number[], target?: number | 'baseline'): Row {
  const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1] ?? 0;
  return {
    benchmark,
    requests: latencies.length,
    'p50 (ms)': round(latencies[Math.floor(latencies.length / 2)] ?? 0),
    'p99 (ms)': round(p99),
    target: typeof target === 'number' ? `p99 < ${target} ms` : (target ?? ''),
    met: typeof target === 'number' ? (p99 < target ? 'yes' : 'no') : '',
  };
}

const postgres = await startTestPostgres(process.env.DATABASE_URL);
const database = await createTestDatabase(postgres.url);
try {
  await database.db.insert(devices).values({ id: DEVICE, name: 'Benchmark device' });
  process.stderr.write(`query bench: loading ${(DAYS * 86_400).toLocaleString('en-US')} rows…\n`);
  const loadStarted = performance.now();
  const writer = createTelemetryWriter({ pool: database.pool, maxBatchRows: 2_000 });
  const chunk: Promise<void>[] = [];
  for (let second = 0; second < DAYS * 86_400; second += 1) {
    chunk.push(
      writer.write({
        deviceId: DEVICE,
        ts: START + second * 1000,
        seq: second,
        metrics: {
          temperature: round(20 + 5 * Math.sin(second / 3600) + Math.random()),
          humidity: 40 + (second % 17),
        },
      }),
    );
    if (chunk.length === 20_000) await Promise.all(chunk.splice(0));
  }
  await Promise.all(chunk);
  await writer.close();
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  process.stderr.write(
    `query bench: loaded in ${loadSeconds.toFixed(1)} s (${Math.round((DAYS * 86_400) / loadSeconds).toLocaleString('en-US')} rows/s); building the rollup…\n`,
  );
  const refreshStarted = performance.now();
  const built = await refreshTelemetryRollup(database.db);
  const refreshSeconds = (performance.now() - refreshStarted) / 1000;
  await database.pool.query('ANALYZE');

  const config = readApiConfig({ LOG_LEVEL: 'silent', API_PORT: '0' });
  const app = await buildApp({
    config,
    db: database,
    acl: await createAclStore({ db: database.db }),
    jwtSecret: JWT_SECRET,
  });
  await app.ready();
  // The route allows 120 requests a minute per user: each chart gets a user of its own.
  let users = 0;
  const chart = (from: number, points = 1000) => {
    users += 1;
    const token = signHs256(
      {
        sub: `00000000-0000-4000-8000-${String(users).padStart(12, '0')}`,
        username: `bench-${users}`,
        role: 'viewer',
        exp: Math.floor(Date.now() / 1000) + 3600,
      },
      JWT_SECRET,
    );
    return async () => {
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/devices/${DEVICE}/telemetry/buckets?from=${from}&to=${END}&points=${points}`,
        headers: { authorization: `Bearer ${token}` },
      });
      if (response.statusCode !== 200)
        throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
    };
  };
  // A device still writing: a new reading in the last minute before every request, so each
  // query first refreshes that minute and its hour.
  let liveSeq = DAYS * 86_400;
  const liveMonth = chart(START);
  const liveChart = async () => {
    liveSeq += 1;
    await database.pool.query(
      `INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ($1, $2, $3, '{"temperature": 21.5}')`,
      [DEVICE, new Date(END - 1_000), liveSeq],
    );
    await liveMonth();
  };
  const raw = (from: number, bucketMs: number) => () =>
    readTelemetryBuckets(database.db, {
      deviceId: DEVICE,
      from,
      to: END,
      bucketMs,
      source: 'raw',
    });

  const rows: Row[] = [];
  rows.push(row('1 day → 1,000 points (HTTP, rollup)', await time(REQUESTS, chart(END - DAY))));
  rows.push(
    row('30 days → 1,000 points (HTTP, rollup)', await time(REQUESTS, chart(START)), TARGET_P99_MS),
  );
  rows.push(
    row('30 days → 1,000 points, device writing (HTTP, rollup)', await time(REQUESTS, liveChart)),
  );
  rows.push(
    row('30 days → 2,000 points (HTTP, 5-minute rollup)', await time(REQUESTS, chart(START, 2000))),
  );
  rows.push(
    row(
      '1 day, 2 min buckets (SQL, raw rows)',
      await time(RAW_REQUESTS.day, raw(END - DAY, 120_000)),
      'baseline',
    ),
  );
  rows.push(
    row(
      '30 days, 1 h buckets (SQL, raw rows)',
      await time(RAW_REQUESTS.month, raw(START, 3_600_000), 1),
      'baseline',
    ),
  );
  await app.close();
  console.log(
    `\n@twinwire/api — telemetry buckets: 1 device, ${DAYS} days at 1 Hz; loaded in ${loadSeconds.toFixed(1)} s; ` +
      `rollup of ${built.minutes.toLocaleString('en-US')} minutes built in ${refreshSeconds.toFixed(1)} s`,
  );
  console.table(rows);
  const p99 = (name: string) =>
    rows.find((entry) => entry.benchmark.startsWith(name))?.['p99 (ms)'];
  const [rollupMonth, rawMonth] = [p99('30 days → 1,000 points (HTTP'), p99('30 days, 1 h')];
  if (rollupMonth && rawMonth)
    console.log(
      `30 days at 1 h: rollup p99 is ${(rawMonth / rollupMonth).toFixed(0)}× faster than raw rows`,
    );
} finally {
  await database.drop();
  await postgres.stop();
}
