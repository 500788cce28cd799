import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TelemetryRow } from './row.ts';
import { OUTBOX_CHANNEL } from '../webhook-outbox-channel.ts';

/**
 * How a batch reaches the table. Both are idempotent on (device_id, ts, seq) and commit the
 * whole batch atomically; `pnpm --filter @twinwire/db bench` measures them side by side.
 * - `json`: one INSERT … SELECT FROM jsonb_to_recordset($1) ON CONFLICT DO NOTHING, with
 *   the batch as a single JSON parameter (one round trip, prepared once per connection).
 * - `copy`: COPY into a per-connection temp table, then INSERT … ON CONFLICT DO NOTHING
 *   (COPY itself cannot skip conflicts), in one transaction.
 */
export type InsertStrategy = 'json' | 'copy';

/** Inserts the rows and resolves with how many were new (the rest were duplicates). */
export type BatchInserter = (
  client: pg.PoolClient,
  rows: readonly TelemetryRow[],
) => Promise<number>;

/**
 * The insert of `rows` (a SELECT of device_id, ts, seq, metrics) in one statement with the
 * `telemetry` webhook events of the readings that were new (issue #18): a reading and its
 * outbox rows commit together, and a duplicate queues nothing. Without a destination
 * subscribed to telemetry the second INSERT writes nothing. Answers one row: `inserted`.
 */
function insertWithEvents(rows: string): string {
  return `WITH inserted AS (
  INSERT INTO telemetry (device_id, ts, seq, metrics) ${rows}
  ON CONFLICT DO NOTHING RETURNING device_id, ts, seq, metrics
), queued AS (
  INSERT INTO webhook_outbox (destination_id, event_id, event_type, device_id, body)
  SELECT d.id, i.event_id, 'telemetry', i.device_id, jsonb_build_object(
    'id', i.event_id, 'type', 'telemetry',
    'createdAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', jsonb_build_object('deviceId', i.device_id,
      'ts', (extract(epoch FROM i.ts) * 1000)::int8, 'seq', i.seq, 'metrics', i.metrics))
  -- One event id per reading (the same for every destination), drawn per row.
  FROM (SELECT inserted.*, gen_random_uuid() AS event_id FROM inserted) i
  CROSS JOIN webhook_destinations d
  WHERE d.enabled AND 'telemetry' = ANY(d.events)
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted)::int AS inserted,
  CASE WHEN EXISTS (SELECT 1 FROM queued) THEN pg_notify('${OUTBOX_CHANNEL}', '') END`;
}

const INSERT_FROM_JSON = {
  name: 'twinwire_telemetry_insert_json',
  text: insertWithEvents(`SELECT r.d, timestamptz 'epoch' + r.t * interval '1 millisecond', r.s, r.m
  FROM jsonb_to_recordset($1::jsonb) AS r(d text, t int8, s int8, m jsonb)`),
};

const insertedCount = (result: pg.QueryResult<{ inserted: number }>) =>
  result.rows[0]?.inserted ?? 0;

const insertJson: BatchInserter = async (client, rows) => {
  const payload = JSON.stringify(
    rows.map((row) => ({ d: row.deviceId, t: row.ts, s: row.seq, m: row.metrics })),
  );
  return insertedCount(
    await client.query<{ inserted: number }>({ ...INSERT_FROM_JSON, values: [payload] }),
  );
};

const stagedConnections = new WeakSet<pg.PoolClient>();

const insertCopy: BatchInserter = async (client, rows) => {
  if (!stagedConnections.has(client)) {
    await client.query(`CREATE TEMP TABLE IF NOT EXISTS telemetry_staging
      (device_id text, t int8, seq int8, metrics jsonb) ON COMMIT DELETE ROWS`);
    stagedConnections.add(client);
  }
  await client.query('BEGIN');
  try {
    await pipeline(
      Readable.from(copyLines(rows)),
      client.query(copyFrom('COPY telemetry_staging FROM STDIN')),
    );
    const result = await client.query<{ inserted: number }>(
      insertWithEvents(`SELECT device_id, timestamptz 'epoch' + t * interval '1 millisecond', seq, metrics
      FROM telemetry_staging`),
    );
    await client.query('COMMIT');
    return insertedCount(result);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
};

function* copyLines(rows: readonly TelemetryRow[]): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${escapeCopyText(row.deviceId)}\t${row.ts}\t${row.seq}\t${escapeCopyText(JSON.stringify(row.metrics))}\n`;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

const COPY_SPECIAL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** COPY text format: backslash, tab, newline and carriage return must be escaped. */
export function escapeCopyText(value: string): string {
  return value.replace(COPY_SPECIAL, (char) => COPY_ESCAPES[char] ?? char);
}

export const batchInserters: Record<InsertStrategy, BatchInserter> = {
  json: insertJson,
  copy: insertCopy,
};
