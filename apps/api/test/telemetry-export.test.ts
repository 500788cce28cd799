// Telemetry downloads: `Accept: text/csv` or `application/x-ndjson` on the telemetry routes.
// The API reads the range through a database cursor 100 readings at a time here, and the
// range holds 2,345 of them: every one must arrive, in order, once.
import { devices } from '@twinwire/db/schema';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import { createTelemetryWriter } from '@twinwire/db/telemetry-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers/build-app.ts';

const T0 = Date.UTC(2026, 10, 1);
const DEVICE = 'export-1';
const COUNT = 2345;
const BATCH = 100;
let api: TestApi;
let token: string;
const rows: TelemetryRow[] = [];
for (let i = 0; i < COUNT; i++) {
  const metrics: TelemetryRow['metrics'] = { temperature: 20 + i / 100, power_w: i };
  if (i % 100 === 0) metrics.note = i === 0 ? '=HYPERLINK("x")' : 'a, "quoted" note';
  if (i % 2 === 0) metrics.door = i % 4 === 0;
  rows.push({ deviceId: DEVICE, ts: T0 + i * 1000, seq: i, metrics });
}

beforeAll(async () => {
  api = await buildTestApi({}, { exportBatchRows: BATCH });
  await api.database.db.insert(devices).values([{ id: DEVICE, name: 'Export' }]);
  const writer = createTelemetryWriter({ pool: api.database.pool });
  await Promise.all(rows.map((row) => writer.write(row)));
  await writer.close();
  token = await api.tokenFor('viewer');
});
afterAll(() => api.close());

const download = (url: string, accept: string) =>
  api.app.inject({
    method: 'GET',
    url: `/api/v1/devices/${DEVICE}/telemetry${url}`,
    headers: { authorization: `Bearer ${token}`, accept },
  });

/** RFC 4180, enough for the tests: quoted fields with doubled quotes, CRLF line ends. */
function parseCsv(text: string): string[][] {
  const lines: string[][] = [];
  let field = '';
  let line: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (quoted && char === '"' && text.charAt(i + 1) === '"') {
      field += '"';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted || (char !== ',' && char !== '\r')) {
      field += char;
    } else if (char === ',') {
      line.push(field);
      field = '';
    } else {
      line.push(field);
      lines.push(line);
      line = [];
      field = '';
      i += 1; // the \n of \r\n
    }
  }
  return lines;
}

describe('readings as CSV', () => {
  it('streams every reading of the range, more than many cursor batches hold, with one column per metric', async () => {
    const response = await download(`?from=${T0}&to=${T0 + COUNT * 1000}`, 'text/csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="${DEVICE}_readings_2026-11-01T00-00-00Z_2026-11-01T00-39-05Z.csv"`,
    );
    const [header, ...lines] = parseCsv(response.body);
    expect(header).toEqual(['ts', 'time', 'seq', 'door', 'note', 'power_w', 'temperature']);
    expect(lines).toHaveLength(COUNT);
    lines.forEach((line, i) => {
      const row = rows[i];
      expect(line).toEqual([
        String(row?.ts),
        new Date(row?.ts ?? 0).toISOString(),
        String(i),
        row?.metrics.door === undefined ? '' : String(row.metrics.door),
        row?.metrics.note === undefined
          ? ''
          : i === 0
            ? `'=HYPERLINK("x")`
            : String(row.metrics.note),
        String(i),
        String(20 + i / 100),
      ]);
    });
  });

  it('has the columns asked for, and a header only for an empty range', async () => {
    const some = await download(`?from=${T0}&to=${T0 + 3000}&metrics=power_w`, 'text/csv');
    expect(parseCsv(some.body)).toEqual([
      ['ts', 'time', 'seq', 'power_w'],
      [String(T0), new Date(T0).toISOString(), '0', '0'],
      [String(T0 + 1000), new Date(T0 + 1000).toISOString(), '1', '1'],
      [String(T0 + 2000), new Date(T0 + 2000).toISOString(), '2', '2'],
    ]);
    const none = await download(`?from=${T0 - 10_000}&to=${T0}`, 'text/csv');
    expect(none.body).toBe('ts,time,seq\r\n');
  });

  it('refuses paging parameters, and an unknown device', async () => {
    const paged = await download(`?from=${T0}&limit=10`, 'text/csv');
    expect(paged.statusCode).toBe(400);
    expect(paged.json()).toEqual({
      code: 'TWW_VALIDATION',
      message: 'querystring: an export has the whole range; leave out limit and cursor',
    });
    const unknown = await api.app.inject({
      method: 'GET',
      url: '/api/v1/devices/nobody/telemetry',
      headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
    });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('readings as NDJSON', () => {
  it('streams one reading per line, every one of the range', async () => {
    const response = await download(`?from=${T0}&to=${T0 + COUNT * 1000}`, 'application/x-ndjson');
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = response.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual(rows.map(({ ts, seq, metrics }) => ({ ts, seq, metrics })));
  });
});

describe('buckets', () => {
  it('downloads per-bucket aggregates as CSV and NDJSON', async () => {
    const query = `/buckets?from=${T0}&to=${T0 + 600_000}&bucket=300000&metrics=power_w`;
    const csv = parseCsv((await download(query, 'text/csv')).body);
    expect(csv).toEqual([
      ['bucket_start', 'time', 'metric', 'count', 'avg', 'min', 'max', 'last'],
      [String(T0), new Date(T0).toISOString(), 'power_w', '300', '149.5', '0', '299', '299'],
      [
        String(T0 + 300_000),
        new Date(T0 + 300_000).toISOString(),
        'power_w',
        '300',
        '449.5',
        '300',
        '599',
        '599',
      ],
    ]);
    const ndjson = (await download(query, 'application/x-ndjson')).body.trimEnd().split('\n');
    expect(JSON.parse(ndjson[0] ?? '')).toEqual({
      metric: 'power_w',
      t: T0,
      count: 300,
      avg: 149.5,
      min: 0,
      max: 299,
      last: 299,
    });
  });

  it('still answers JSON without an export Accept header', async () => {
    const response = await download(`/buckets?from=${T0}&to=${T0 + 600_000}`, 'application/json');
    expect(response.json<{ bucketMs: number }>().bucketMs).toBeGreaterThan(0);
  });
});
