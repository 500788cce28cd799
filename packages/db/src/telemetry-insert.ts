import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { TelemetryRow } from './telemetry-row.ts';

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

const INSERT_FROM_JSON = {
  name: 'twinwire_telemetry_insert_json',
  text: `INSERT INTO telemetry (device_id, ts, seq, metrics)
SELECT r.d, timestamptz 'epoch' + r.t * interval '1 millisecond', r.s, r.m
FROM jsonb_to_recordset($1::jsonb) AS r(d text, t int8, s int8, m jsonb)
ON CONFLICT DO NOTHING`,
};

const insertJson: BatchInserter = async (client, rows) => {
  const payload = JSON.stringify(
    rows.map((row) => ({ d: row.deviceId, t: row.ts, s: row.seq, m: row.metrics })),
  );
  const result = await client.query({ ...INSERT_FROM_JSON, values: [payload] });
  return result.rowCount ?? 0;
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
    const result = await client.query(`INSERT INTO telemetry (device_id, ts, seq, metrics)
      SELECT device_id, timestamptz 'epoch' + t * interval '1 millisecond', seq, metrics
      FROM telemetry_staging ON CONFLICT DO NOTHING`);
    await client.query('COMMIT');
    return result.rowCount ?? 0;
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
