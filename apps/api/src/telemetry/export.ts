import { Readable } from 'node:stream';
import { exportTelemetry, type ExportRange } from '@twinwire/db/telemetry-export';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';

export type ExportFormat = 'csv' | 'ndjson';

const EXPORT_MEDIA_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
};

/** The export the Accept header asks for; undefined for JSON (the default). */
export function exportFormat(request: FastifyRequest): ExportFormat | undefined {
  const accept = request.headers.accept ?? '';
  if (accept.includes(EXPORT_MEDIA_TYPES.csv)) return 'csv';
  if (accept.includes(EXPORT_MEDIA_TYPES.ndjson)) return 'ndjson';
  return undefined;
}

type Cell = string | number | boolean | null | undefined;

/**
 * One RFC 4180 line. Text a device sent that a spreadsheet would run as a formula (leading
 * `=`, `+`, `-`, `@`, tab or CR: OWASP's CSV injection list) gets a leading apostrophe.
 */
export function csvLine(cells: readonly Cell[]): string {
  return `${cells
    .map((cell) => {
      if (cell === null || cell === undefined) return '';
      if (typeof cell !== 'string') return String(cell);
      const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',')}\r\n`;
}

/** `pump-1_2026-12-07T10-00-00Z_2026-12-07T11-00-00Z.csv`: safe on every file system. */
export function exportFileName(
  deviceId: string,
  range: { from: number; to: number },
  kind: 'readings' | 'buckets',
  format: ExportFormat,
): string {
  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/\.\d{3}/, '')
      .replaceAll(':', '-');
  const safeId = deviceId.replaceAll(':', '-');
  return `${safeId}_${kind}_${stamp(range.from)}_${stamp(range.to)}.${format}`;
}

export function startDownload(reply: FastifyReply, format: ExportFormat, fileName: string) {
  void reply
    .header('content-type', `${EXPORT_MEDIA_TYPES[format]}; charset=utf-8`)
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .header('cache-control', 'no-store');
}

/**
 * A device's readings as CSV (one column per metric, after ts and seq) or NDJSON (one
 * reading per line), pulled from the database cursor a batch at a time as the response is
 * written: the range never sits in memory whole.
 */
export function readingsExport(
  pool: pg.Pool,
  range: ExportRange,
  format: ExportFormat,
  metrics: readonly string[],
  batchRows: number,
): Readable {
  async function* lines(): AsyncGenerator<string> {
    if (format === 'csv') yield csvLine(['ts', 'time', 'seq', ...metrics]);
    for await (const batch of exportTelemetry(pool, range, batchRows)) {
      let chunk = '';
      for (const reading of batch) {
        chunk +=
          format === 'csv'
            ? csvLine([
                reading.ts,
                new Date(reading.ts).toISOString(),
                reading.seq,
                ...metrics.map((metric) => reading.metrics[metric]),
              ])
            : `${JSON.stringify(reading)}\n`;
      }
      yield chunk;
    }
  }
  // Byte mode with a small buffer: the generator (and so the cursor) runs only as fast as
  // the client reads.
  return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
}
