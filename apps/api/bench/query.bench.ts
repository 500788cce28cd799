/**
 * Telemetry bucket queries through the real HTTP route: one device with 30 days of 1 Hz
 * readings, charted as ~1,000 points over 1 day and over 30 days, aggregated from raw rows
 * in SQL (a rollup maintained off the ingest path is the planned way to the 30-day target).
 */
import { performance } from 'node:perf_hooks';
import { createAclStore } from '@twinwire/db/acl-store';
import { devices } from '@twinwire/db/schema';
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

async function time(requests: number, run: () => Promise<void>): Promise<number[]> {
  for (let warmup = 0; warmup < 2; warmup += 1) await run();
  const latencies: number[] = [];
  for (let request = 0; request < requests; request += 1) {
    const started = performance.now();
    await run();
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

function row(benchmark: string, latencies: number[], targetMs?: number): Row {
  const p99 = latencies[Math.ceil(latencies.length * 0.99) - 1] ?? 0;
  return {
    benchmark,
    requests: latencies.length,
    'p50 (ms)': round(latencies[Math.floor(latencies.length / 2)] ?? 0),
    'p99 (ms)': round(p99),
    target: targetMs === undefined ? 'baseline' : `p99 < ${targetMs} ms`,
    met: targetMs === undefined ? '' : p99 < targetMs ? 'yes' : 'no',
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
  await database.pool.query('ANALYZE telemetry');
  process.stderr.write(
    `query bench: loaded in ${loadSeconds.toFixed(1)} s (${Math.round((DAYS * 86_400) / loadSeconds).toLocaleString('en-US')} rows/s)\n`,
  );

  const config = readApiConfig({ LOG_LEVEL: 'silent', API_PORT: '0' });
  const app = await buildApp({
    config,
    db: database,
    acl: await createAclStore({ db: database.db }),
    jwtSecret: JWT_SECRET,
  });
  await app.ready();
  const token = signHs256(
    {
      sub: '00000000-0000-4000-8000-000000000001',
      username: 'bench',
      role: 'viewer',
      exp: Math.floor(Date.now() / 1000) + 3600,
    },
    JWT_SECRET,
  );
  const chart = (from: number) => async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/devices/${DEVICE}/telemetry/buckets?from=${from}&to=${END}&points=1000`,
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.statusCode !== 200)
      throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
  };

  const rows: Row[] = [];
  rows.push(row('1 day → 1,000 points (HTTP)', await time(REQUESTS, chart(END - DAY))));
  rows.push(
    row('30 days → 1,000 points (HTTP)', await time(REQUESTS, chart(START)), TARGET_P99_MS),
  );
  await app.close();
  console.log(
    `\n@twinwire/api — telemetry buckets: 1 device, ${DAYS} days at 1 Hz; loaded in ${loadSeconds.toFixed(1)} s`,
  );
  console.table(rows);
} finally {
  await database.drop();
  await postgres.stop();
}
