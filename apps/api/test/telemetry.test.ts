import { createAclStore } from '@twinwire/db/acl-store';
import { createDb } from '@twinwire/db/client';
import { devices } from '@twinwire/db/schema';
import { createTelemetryWriter } from '@twinwire/db/telemetry-writer';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { buildTestApi, TEST_JWT_SECRET, type TestApi } from './helpers/build-app.ts';
import { signHs256 } from './helpers/sign-jwt.ts';

const T0 = Date.UTC(2026, 0, 1);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DEVICE = 'sensor-1';

let api: TestApi;
let token: string;
const rows: TelemetryRow[] = [];

// Three hours at 1 Hz with a spike, a second reading sharing T0, and metrics of every type.
for (let i = 0; i < 3 * 3600; i += 1) {
  const metrics: TelemetryRow['metrics'] = {
    temperature: i === 4321 ? 95.5 : 20 + 5 * Math.sin(i / 50) + (i % 7) * 0.125,
    humidity: 40 + (i % 13),
  };
  if (i % 10 === 0) metrics.status = i % 20 === 0 ? 'ok' : 'warn';
  if (i % 3 === 0) metrics.door = i % 2 === 0;
  rows.push({ deviceId: DEVICE, ts: T0 + i * SECOND, seq: i, metrics });
}
rows.push({ deviceId: DEVICE, ts: T0, seq: 1_000_000, metrics: { temperature: -3, humidity: 1 } });
rows.push({ deviceId: 'other', ts: T0, seq: 0, metrics: { temperature: 999 } });

beforeAll(async () => {
  api = await buildTestApi();
  await api.database.db.insert(devices).values([
    { id: DEVICE, name: 'Sensor 1' },
    { id: 'other', name: 'Other' },
    { id: 'quiet', name: 'No readings' },
  ]);
  const writer = createTelemetryWriter({ pool: api.database.pool });
  // Written twice: duplicates must be ignored by storage and by the aggregates.
  await Promise.all([...rows, ...rows.slice(0, 500)].map((row) => writer.write(row)));
  await writer.close();
  token = await api.tokenFor('viewer');
});
afterAll(() => api.close());

const get = (url: string, bearer: string | undefined = token) =>
  api.app.inject({
    method: 'GET',
    url,
    ...(bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {}),
  });

interface Point {
  t: number;
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  last: number | boolean | string;
}
interface Buckets {
  bucketMs: number;
  series: { metric: string; points: Point[] }[];
}

/** The obvious computation in JS over the same readings. */
function reference(from: number, to: number, bucketMs: number, only?: string[]) {
  const byMetric = new Map<string, Map<number, { values: TelemetryRow[]; numbers: number[] }>>();
  for (const row of rows) {
    if (row.deviceId !== DEVICE || row.ts < from || row.ts >= to) continue;
    for (const [metric, value] of Object.entries(row.metrics)) {
      if (only && !only.includes(metric)) continue;
      const t = Math.floor(row.ts / bucketMs) * bucketMs;
      const buckets =
        byMetric.get(metric) ?? new Map<number, { values: TelemetryRow[]; numbers: number[] }>();
      byMetric.set(metric, buckets);
      const bucket = buckets.get(t) ?? { values: [], numbers: [] };
      buckets.set(t, bucket);
      bucket.values.push(row);
      if (typeof value === 'number') bucket.numbers.push(value);
    }
  }
  return [...byMetric.keys()].sort().map((metric) => ({
    metric,
    points: [...(byMetric.get(metric)?.entries() ?? [])]
      .sort(([a], [b]) => a - b)
      .map(([t, { values, numbers }]) => {
        const last = values.reduce((a, b) =>
          b.ts > a.ts || (b.ts === a.ts && b.seq > a.seq) ? b : a,
        );
        return {
          t,
          count: values.length,
          avg: numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null,
          min: numbers.length ? Math.min(...numbers) : null,
          max: numbers.length ? Math.max(...numbers) : null,
          last: last.metrics[metric] as number | boolean | string,
        };
      }),
  }));
}

function expectMatchesReference(body: Buckets, expected: ReturnType<typeof reference>) {
  expect(body.series.map((series) => series.metric)).toEqual(
    expected.map((series) => series.metric),
  );
  body.series.forEach((series, index) => {
    const want = expected[index]?.points ?? [];
    expect(series.points.map((point) => point.t)).toEqual(want.map((point) => point.t));
    series.points.forEach((point, at) => {
      const { avg, ...exact } = want[at] ?? { avg: null };
      expect(point).toMatchObject(exact);
      if (avg === null) expect(point.avg).toBeNull();
      else expect(point.avg).toBeCloseTo(avg, 9);
    });
  });
}

describe('GET /devices/:id/telemetry', () => {
  it('pages through a range with the cursor: every reading once, oldest first, hasMore on all pages but the last', async () => {
    const seen: string[] = [];
    const hasMore: boolean[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        `/api/v1/devices/${DEVICE}/telemetry?from=${T0}&to=${T0 + 20 * MINUTE}&limit=250${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.statusCode).toBe(200);
      const page = response.json<{
        items: { ts: number; seq: number }[];
        nextCursor: string | null;
        hasMore: boolean;
      }>();
      seen.push(...page.items.map((item) => `${item.ts}:${item.seq}`));
      hasMore.push(page.hasMore);
      expect(page.nextCursor === null).toBe(!page.hasMore);
      cursor = page.nextCursor;
    } while (cursor);
    const expected = rows
      .filter((row) => row.deviceId === DEVICE && row.ts < T0 + 20 * MINUTE)
      .sort((a, b) => a.ts - b.ts || a.seq - b.seq)
      .map((row) => `${row.ts}:${row.seq}`);
    expect(seen).toEqual(expected);
    expect(seen).toHaveLength(1201);
    expect(hasMore).toEqual([true, true, true, true, false]);
  });

  it('includes from and excludes to, and returns the readings as stored', async () => {
    const response = await get(
      `/api/v1/devices/${DEVICE}/telemetry?from=${T0 + SECOND}&to=${T0 + 3 * SECOND}`,
    );
    expect(response.json()).toEqual({
      items: [
        { ts: T0 + SECOND, seq: 1, metrics: rows[1]?.metrics },
        { ts: T0 + 2 * SECOND, seq: 2, metrics: rows[2]?.metrics },
      ],
      nextCursor: null,
      hasMore: false,
    });
  });

  it('defaults to the last hour, which is empty here', async () => {
    const response = await get(`/api/v1/devices/${DEVICE}/telemetry`);
    expect(response.json()).toEqual({ items: [], nextCursor: null, hasMore: false });
  });

  it('answers 404 for an unknown device, on both routes', async () => {
    for (const url of [
      '/api/v1/devices/nope/telemetry',
      '/api/v1/devices/nope/telemetry/buckets',
    ]) {
      const response = await get(url);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        code: 'TWW_NOT_FOUND',
        message: "device 'nope' not found",
      });
    }
  });

  it.each([
    ['from after to', `from=${T0 + 10}&to=${T0}`, /^querystring\/from: must not be after to/],
    ['a negative limit', 'limit=-1', /^querystring\/limit: must be >= 1/],
    ['a limit over 5000', 'limit=100000', /^querystring\/limit: must be <= 5000/],
    ['a non-numeric from', 'from=yesterday', /^querystring\/from: must be integer/],
    ['an unknown parameter', 'since=1', /^querystring: unknown parameter "since"/],
    [
      'a malformed cursor',
      'cursor=not*a*cursor',
      /^querystring\/cursor: not a cursor from this API/,
    ],
    [
      'a cursor that decodes to junk',
      `cursor=${Buffer.from('x:1').toString('base64url')}`,
      /^querystring\/cursor/,
    ],
  ])('refuses %s with 400 naming the parameter', async (_name, query, message) => {
    const response = await get(`/api/v1/devices/${DEVICE}/telemetry?${query}`);
    expect(response.statusCode).toBe(400);
    const body = response.json<{ code: string; message: string }>();
    expect(body.code).toBe('TWW_VALIDATION');
    expect(body.message).toMatch(message);
  });

  it('needs a token', async () => {
    const response = await get(`/api/v1/devices/${DEVICE}/telemetry`, '');
    expect(response.statusCode).toBe(401);
    expect(response.json<{ code: string }>().code).toBe('TWW_UNAUTHORIZED');
    const buckets = await get(`/api/v1/devices/${DEVICE}/telemetry/buckets`, '');
    expect(buckets.statusCode).toBe(401);
  });
});

describe('GET /devices/:id/telemetry/buckets', () => {
  const buckets = async (query: string) => {
    const response = await get(`/api/v1/devices/${DEVICE}/telemetry/buckets?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Buckets>();
  };

  it('matches a plain computation for sub-minute buckets (raw rows)', async () => {
    const [from, to] = [T0 + 5 * SECOND, T0 + 10 * MINUTE + 3 * SECOND];
    const body = await buckets(`from=${from}&to=${to}&bucket=10000`);
    expect(body.bucketMs).toBe(10_000);
    expectMatchesReference(body, reference(from, to, 10_000));
  });

  it('matches a plain computation for whole-minute buckets, spike included', async () => {
    const body = await buckets(`from=${T0}&to=${T0 + 3 * HOUR}&bucket=${5 * MINUTE}`);
    expectMatchesReference(body, reference(T0, T0 + 3 * HOUR, 5 * MINUTE));
    const temperature = body.series.find((series) => series.metric === 'temperature');
    expect(Math.max(...(temperature?.points.map((point) => point.max ?? 0) ?? []))).toBe(95.5);
  });

  it('matches for ranges that start and end mid-minute, with 59 s and 60 s buckets', async () => {
    const [from, to] = [T0 + 30_500, T0 + 2 * HOUR + 15_250];
    for (const bucket of [59_000, 60_000, 120_000]) {
      const body = await buckets(`from=${from}&to=${to}&bucket=${bucket}`);
      expectMatchesReference(body, reference(from, to, bucket));
    }
    // A range inside a single minute.
    const inside = await buckets(`from=${T0 + 10_000}&to=${T0 + 20_000}&bucket=60000`);
    expectMatchesReference(inside, reference(T0 + 10_000, T0 + 20_000, 60_000));
  });

  it('filters metrics by name, and treats SQL metacharacters as a name that matches nothing', async () => {
    const body = await buckets(`from=${T0}&to=${T0 + HOUR}&bucket=600000&metrics=humidity,%20door`);
    expectMatchesReference(body, reference(T0, T0 + HOUR, 600_000, ['humidity', 'door']));
    const hostile = await buckets(
      `from=${T0}&to=${T0 + HOUR}&bucket=600000&metrics=${encodeURIComponent("temp';DROP TABLE telemetry;--")}`,
    );
    expect(hostile.series).toEqual([]);
    const stored = await api.database.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM telemetry',
    );
    expect(Number(stored.rows[0]?.n)).toBe(rows.length);
  });

  it('picks a round bucket for points so that no series has more than that many', async () => {
    const [from, to] = [T0 + 7 * SECOND, T0 + 3 * HOUR];
    for (const points of [1, 7, 90, 100, 2000]) {
      const body = await buckets(`from=${from}&to=${to}&points=${points}`);
      expect(body.bucketMs).toBeGreaterThanOrEqual((to - from) / points);
      for (const series of body.series) expect(series.points.length).toBeLessThanOrEqual(points);
      expectMatchesReference(body, reference(from, to, body.bucketMs));
    }
    expect((await buckets(`from=${from}&to=${to}&points=100`)).bucketMs).toBe(2 * MINUTE);
  });

  it('refuses more than 10,000 buckets, saying what to change', async () => {
    const response = await get(
      `/api/v1/devices/${DEVICE}/telemetry/buckets?from=${T0}&to=${T0 + 30 * 24 * HOUR}&bucket=1000`,
    );
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      code: 'TWW_TOO_MANY_BUCKETS',
      message:
        'this range at 1 s buckets is 2,592,000 buckets; the limit is 10,000: use bucket ≥ 260 s or points ≤ 10000, or a shorter range',
    });
  });

  it.each([
    ['a bucket under 1 s', 'bucket=999', /^querystring\/bucket: must be >= 1000/],
    ['points over 2000', 'points=2001', /^querystring\/points: must be <= 2000/],
    ['both bucket and points', 'bucket=60000&points=10', /either bucket or points/],
    ['an unknown mode', 'mode=median', /^querystring\/mode/],
    ['an empty metric list', 'metrics=,', /^querystring\/metrics/],
  ])('refuses %s', async (_name, query, message) => {
    const response = await get(`/api/v1/devices/${DEVICE}/telemetry/buckets?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json<{ message: string }>().message).toMatch(message);
  });

  it('mode=lttb keeps `points` of the full-resolution buckets per series, the first and last among them', async () => {
    const body = await buckets(
      `from=${T0}&to=${T0 + 3 * HOUR}&points=50&mode=lttb&metrics=temperature`,
    );
    const full = reference(T0, T0 + 3 * HOUR, body.bucketMs, ['temperature'])[0]?.points ?? [];
    const points = body.series[0]?.points ?? [];
    expect(points).toHaveLength(50);
    expect(points[0]?.t).toBe(full[0]?.t);
    expect(points.at(-1)?.t).toBe(full.at(-1)?.t);
    // Every pick is one of the full-resolution buckets, unchanged.
    const byT = new Map(full.map((point) => [point.t, point]));
    for (const point of points)
      expect(point).toMatchObject({ ...byT.get(point.t), avg: expect.any(Number) as number });
    expect(new Set(points.map((point) => point.t)).size).toBe(50);
  });

  it('stays equal to the plain computation as late readings arrive into rolled-up minutes and hours', async () => {
    const query = `from=${T0 + 30_500}&to=${T0 + 3 * HOUR}&bucket=${HOUR}`;
    expectMatchesReference(await buckets(query), reference(T0 + 30_500, T0 + 3 * HOUR, HOUR));
    // Late and out of order: inside minutes and hours the previous query rolled up, one of
    // them the new latest reading of its bucket (same ts, higher seq).
    const late: TelemetryRow[] = [
      {
        deviceId: DEVICE,
        ts: T0 + HOUR + 17 * MINUTE + 250,
        seq: 7,
        metrics: { temperature: -40 },
      },
      { deviceId: DEVICE, ts: T0 + 2 * HOUR - SECOND, seq: 2_000_000, metrics: { status: 'late' } },
      { deviceId: DEVICE, ts: T0 + 5 * MINUTE, seq: 3, metrics: { humidity: 99.25, door: true } },
    ];
    rows.push(...late);
    const writer = createTelemetryWriter({ pool: api.database.pool });
    await Promise.all(late.map((row) => writer.write(row)));
    await writer.close();
    for (const bucket of [MINUTE, 10 * MINUTE, HOUR]) {
      const body = await buckets(`from=${T0 + 30_500}&to=${T0 + 3 * HOUR}&bucket=${bucket}`);
      expectMatchesReference(body, reference(T0 + 30_500, T0 + 3 * HOUR, bucket));
    }
    const hours = await buckets(query);
    const status = hours.series.find((series) => series.metric === 'status');
    expect(status?.points[1]).toMatchObject({ t: T0 + HOUR, last: 'late' });
  });

  it('returns an empty series list for a device without readings', async () => {
    const response = await get('/api/v1/devices/quiet/telemetry/buckets');
    expect(response.json()).toEqual({ bucketMs: 10_000, series: [] });
  });

  it('rate-limits the aggregation route per user', async () => {
    const busy = await api.tokenFor('viewer');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 125; attempt += 1)
      statuses.push(
        (await get(`/api/v1/devices/quiet/telemetry/buckets?from=0&to=1000`, busy)).statusCode,
      );
    expect(statuses.slice(0, 120).every((status) => status === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    // Another user is unaffected.
    expect((await get(`/api/v1/devices/quiet/telemetry/buckets?from=0&to=1000`)).statusCode).toBe(
      200,
    );
  });

  it('turns a statement timeout into 503 telling the caller to narrow the range', async () => {
    const slow = createDb({ url: api.database.url, statementTimeoutMs: 1, maxConnections: 2 });
    const app = await buildApp({
      config: api.config,
      db: slow,
      acl: await createAclStore({ db: api.database.db }),
      jwtSecret: TEST_JWT_SECRET,
    });
    try {
      const viewer = signHs256(
        {
          sub: '00000000-0000-4000-8000-000000000000',
          username: 'v',
          role: 'viewer',
          exp: Math.floor(Date.now() / 1000) + 60,
        },
        TEST_JWT_SECRET,
      );
      const response = await app.inject({
        method: 'GET',
        url: `/api/v1/devices/${DEVICE}/telemetry/buckets?from=${T0}&to=${T0 + 3 * HOUR}&bucket=2000`,
        headers: { authorization: `Bearer ${viewer}` },
      });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        code: 'TWW_QUERY_TIMEOUT',
        message: expect.stringMatching(/narrow the range/) as string,
      });
    } finally {
      await app.close();
      await slow.close();
    }
  });
});

describe('the telemetry rollup behind bucket queries', () => {
  it('is caught up in the background while the app runs', async () => {
    const refreshed = await buildTestApi({ ROLLUP_REFRESH_INTERVAL_MS: '10' });
    try {
      await refreshed.database.pool.query(`
        INSERT INTO telemetry (device_id, ts, seq, metrics)
        SELECT 'bg', timestamptz '2026-01-01' + i * interval '1 second', i, jsonb_build_object('v', i)
        FROM generate_series(0, 599) i`);
      const count = (table: string) =>
        refreshed.database.pool
          .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
          .then((result) => result.rows[0]?.n);
      // Ten minutes of one metric, each rolled up, and nothing left pending.
      await expect.poll(() => count('telemetry_rollup_1m')).toBe(10);
      expect(await count('telemetry_rollup_log')).toBe(0);
      expect(await count('telemetry_rollup_dirty')).toBe(0);
    } finally {
      await refreshed.close();
    }
  });
});
