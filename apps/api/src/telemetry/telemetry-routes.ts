import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '@twinwire/db/client';
import { readTelemetryBuckets, type MetricBucket } from '@twinwire/db/telemetry-buckets';
import { readTelemetryRange } from '@twinwire/db/telemetry-queries';
import { exportedMetrics } from '@twinwire/db/telemetry-export';
import type pg from 'pg';
import type { FastifyRequest } from 'fastify';
import { bucketForPoints, MAX_BUCKETS, tooManyBuckets } from './bucket-size.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { InvalidQuery, isStatementTimeout, QueryTimeout, TooManyBuckets } from './errors.ts';
import { lttb } from './lttb.ts';
import {
  BucketsQuery,
  BucketsResponse,
  DeviceParams,
  RangePage,
  RangeQuery,
  telemetryContent,
} from '@twinwire/schemas/rest/telemetry';
import { csvLine, exportFileName, exportFormat, readingsExport, startDownload } from './export.ts';
import { parseMetrics, resolveRange } from './time-range.ts';
import { requireDevice } from '../devices/store.ts';
import { ErrorResponse } from '@twinwire/schemas/rest/common';

export interface TelemetryRoutesOptions {
  db: Database;
  /** Exports read through a cursor on a connection of their own. */
  pool: pg.Pool;
  /** Readings fetched per cursor read while exporting (default 1,000). */
  exportBatchRows?: number;
  /** Per signed-in user, for the aggregation route. */
  bucketsRateLimit?: { max: number; timeWindow: string | number };
}

const DEFAULT_POINTS = 500;
const DEFAULT_PAGE = 500;
const DEFAULT_EXPORT_BATCH_ROWS = 1_000;
/** mode=lttb aggregates at this many times the requested points, then picks `points`. */
const LTTB_OVERSAMPLING = 4;

const perUser = (request: FastifyRequest) =>
  (request.user as { sub?: string } | undefined)?.sub ?? request.ip;

/** Reading history and its per-bucket aggregates, for any signed-in user (viewer and up). */
export const telemetryRoutes: FastifyPluginAsyncTypebox<TelemetryRoutesOptions> = async (
  app,
  options,
) => {
  const { db } = options;

  app.get(
    '/devices/:id/telemetry',
    {
      config: { capability: 'devices.read' },
      schema: {
        tags: ['telemetry'],
        summary: 'A device’s readings in [from, to), oldest first, paged with a cursor',
        description:
          'With `Accept: text/csv` or `Accept: application/x-ndjson` the whole range is downloaded instead of a page (no `limit` or `cursor`), streamed from a database cursor. CSV has the columns ts (epoch ms), time (ISO 8601), seq and one per metric; NDJSON has one `{ ts, seq, metrics }` per line.',
        operationId: 'readTelemetry',
        params: DeviceParams,
        querystring: RangeQuery,
        response: {
          200: telemetryContent(
            RangePage,
            'ts,time,seq,<metric>… with a header line',
            'one JSON reading per line',
          ),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { from, to } = resolveRange(request.query);
      const format = exportFormat(request);
      if (format) {
        if (request.query.limit !== undefined || request.query.cursor !== undefined)
          throw new InvalidQuery(
            'querystring: an export has the whole range; leave out limit and cursor',
          );
        if (format === 'ndjson' && request.query.metrics !== undefined)
          throw new InvalidQuery('querystring/metrics: only CSV exports choose their columns');
        const range = { deviceId: request.params.id, from, to };
        let metrics: string[];
        try {
          await requireDevice(db, request.params.id);
          metrics =
            format === 'csv'
              ? (parseMetrics(request.query.metrics) ??
                (await exportedMetrics(options.pool, range)))
              : [];
        } catch (error) {
          if (isStatementTimeout(error)) throw new QueryTimeout();
          throw error;
        }
        startDownload(reply, format, exportFileName(range.deviceId, range, 'readings', format));
        return reply.send(
          readingsExport(
            options.pool,
            range,
            format,
            metrics,
            options.exportBatchRows ?? DEFAULT_EXPORT_BATCH_ROWS,
          ),
        );
      }
      if (request.query.metrics !== undefined)
        throw new InvalidQuery('querystring/metrics: only CSV exports choose their columns');
      const after =
        request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor);
      if (request.query.cursor !== undefined && !after)
        throw new InvalidQuery(
          'querystring/cursor: not a cursor from this API; pass the nextCursor of the previous page, or omit it to start over',
        );
      try {
        await requireDevice(db, request.params.id);
        const page = await readTelemetryRange(db, {
          deviceId: request.params.id,
          from,
          to,
          limit: request.query.limit ?? DEFAULT_PAGE,
          ...(after ? { after } : {}),
        });
        return {
          items: page.readings.map(({ ts, seq, metrics }) => ({ ts, seq, metrics })),
          nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
          hasMore: page.hasMore,
        };
      } catch (error) {
        if (isStatementTimeout(error)) throw new QueryTimeout();
        throw error;
      }
    },
  );

  app.get(
    '/devices/:id/telemetry/buckets',
    {
      config: {
        capability: 'devices.read',
        rateLimit: {
          max: options.bucketsRateLimit?.max ?? 120,
          timeWindow: options.bucketsRateLimit?.timeWindow ?? '1 minute',
          keyGenerator: perUser,
        },
      },
      schema: {
        tags: ['telemetry'],
        summary: 'Per-metric count/avg/min/max/last per time bucket, for charts',
        description:
          'Downsampling keeps the shape of a series: each bucket carries min and max beside avg, so a chart can draw the envelope and spikes survive that averaging alone would flatten (mode=envelope). mode=lttb instead returns `points` of the buckets per series, chosen by Largest-Triangle-Three-Buckets on avg. A request may cover at most 10,000 buckets.',
        operationId: 'readTelemetryBuckets',
        params: DeviceParams,
        querystring: BucketsQuery,
        response: {
          200: telemetryContent(
            BucketsResponse,
            'bucket_start,time,metric,count,avg,min,max,last with a header line, one line per bucket and metric',
            'one { t, metric, count, avg, min, max, last } per line',
          ),
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          429: ErrorResponse,
          503: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { query } = request;
      const { from, to } = resolveRange(query);
      if (query.bucket !== undefined && query.points !== undefined)
        throw new InvalidQuery('querystring: give either bucket or points, not both');
      const points = query.points ?? DEFAULT_POINTS;
      const lttbMode = query.mode === 'lttb';
      if (lttbMode && query.bucket !== undefined)
        throw new InvalidQuery('querystring/mode: lttb picks its own buckets; give points');
      const span = Math.max(to, from + 1);
      const bucketMs =
        query.bucket ??
        bucketForPoints(
          from,
          span,
          lttbMode ? Math.min(points * LTTB_OVERSAMPLING, MAX_BUCKETS) : points,
        );
      const refused = tooManyBuckets(from, to, bucketMs);
      if (refused) throw new TooManyBuckets(refused);
      const metrics = parseMetrics(query.metrics);

      let buckets: MetricBucket[];
      try {
        await requireDevice(db, request.params.id);
        buckets = await readTelemetryBuckets(db, {
          deviceId: request.params.id,
          from,
          to,
          bucketMs,
          ...(metrics ? { metrics } : {}),
        });
      } catch (error) {
        if (isStatementTimeout(error)) throw new QueryTimeout();
        throw error;
      }
      const series = groupByMetric(buckets);
      if (lttbMode) {
        for (const entry of series)
          entry.points = lttb(
            entry.points,
            points,
            (point) => point.avg ?? point.count,
            (point) => point.t,
          );
      }
      const format = exportFormat(request);
      if (!format) return { bucketMs, series };
      // At most MAX_BUCKETS buckets per metric: small enough to answer from memory.
      startDownload(
        reply,
        format,
        exportFileName(request.params.id, { from, to }, 'buckets', format),
      );
      const lines: string[] = [];
      if (format === 'csv')
        lines.push(
          csvLine(['bucket_start', 'time', 'metric', 'count', 'avg', 'min', 'max', 'last']),
        );
      for (const { metric, points: metricPoints } of series)
        for (const point of metricPoints)
          lines.push(
            format === 'csv'
              ? csvLine([
                  point.t,
                  new Date(point.t).toISOString(),
                  metric,
                  point.count,
                  point.avg,
                  point.min,
                  point.max,
                  point.last,
                ])
              : `${JSON.stringify({ metric, ...point })}\n`,
          );
      return reply.send(lines.join(''));
    },
  );
};

type SeriesPoint = Omit<MetricBucket, 'bucket' | 'metric'> & { t: number };

/** Rows come ordered by bucket then metric; a series per metric, in name order. */
function groupByMetric(buckets: readonly MetricBucket[]) {
  const byMetric = new Map<string, SeriesPoint[]>();
  for (const { bucket, metric, count, avg, min, max, last } of buckets) {
    let points = byMetric.get(metric);
    if (!points) byMetric.set(metric, (points = []));
    points.push({ t: bucket, count, avg, min, max, last });
  }
  return [...byMetric.keys()]
    .sort()
    .map((metric) => ({ metric, points: byMetric.get(metric) ?? [] }));
}
