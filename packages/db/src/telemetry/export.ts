import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { TelemetryRow } from './row.ts';

export interface ExportRange {
  deviceId: string;
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
}

export type ExportedReading = Pick<TelemetryRow, 'ts' | 'seq' | 'metrics'>;

/**
 * Every reading of a device in [from, to), oldest first, a batch of at most `batchRows` at a
 * time from a server-side cursor on one pooled connection: however long the range, at most
 * one batch is in this process's memory, and the next is fetched only when the consumer asks
 * (a slow download slows the reads instead of filling memory). Ending the iteration early
 * (the client went away) closes the cursor and returns the connection.
 */
export async function* exportTelemetry(
  pool: pg.Pool,
  range: ExportRange,
  batchRows: number,
): AsyncGenerator<ExportedReading[]> {
  const client = await pool.connect();
  const cursor = client.query(
    new Cursor<{ ts: string; seq: string | number; metrics: ExportedReading['metrics'] }>(
      `SELECT (extract(epoch FROM ts) * 1000)::int8 AS ts, seq, metrics
       FROM telemetry
       WHERE device_id = $1 AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0)
       ORDER BY ts, seq`,
      [range.deviceId, range.from, range.to],
    ),
  );
  let failed = false;
  try {
    for (;;) {
      const rows = await cursor.read(batchRows);
      if (rows.length === 0) return;
      yield rows.map((row) => ({ ts: Number(row.ts), seq: Number(row.seq), metrics: row.metrics }));
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await cursor.close().catch(() => undefined);
    // A connection whose cursor failed midway is not handed to the next caller.
    client.release(failed);
  }
}

/** The metric names present in [from, to), sorted: the columns of a CSV export. */
export async function exportedMetrics(pool: pg.Pool, range: ExportRange): Promise<string[]> {
  const result = await pool.query<{ metric: string }>(
    `SELECT DISTINCT jsonb_object_keys(metrics) AS metric
     FROM telemetry
     WHERE device_id = $1 AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0)
     ORDER BY metric`,
    [range.deviceId, range.from, range.to],
  );
  return result.rows.map((row) => row.metric);
}
