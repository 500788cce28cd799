import { Type } from 'typebox';

export const DeviceParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 256, description: 'device id' }) },
  { additionalProperties: false },
);

const EpochMs = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description });

export const RangeQuery = Type.Object(
  {
    from: Type.Optional(EpochMs('inclusive, epoch ms; default: an hour before `to`')),
    to: Type.Optional(EpochMs('exclusive, epoch ms; default: now')),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 5000,
        description: 'readings per page (default 500); not with an export, which has them all',
      }),
    ),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'the `nextCursor` of the previous page, with the same from/to',
      }),
    ),
    metrics: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description:
          'CSV export only: comma-separated metric names, the columns after ts, time and seq (default: every metric in the range)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A download: the body is text in the media type asked for. */
const Download = (description: string) => Type.String({ description });

/**
 * The 200 answer of the telemetry routes by `Accept`: JSON pages by default, or the whole
 * range (or every bucket) as a streamed download.
 */
export const telemetryContent = (json: object, csv: string, ndjson: string) => ({
  description: 'JSON by default; `Accept: text/csv` or `application/x-ndjson` downloads',
  content: {
    'application/json': { schema: json },
    'text/csv': { schema: Download(csv) },
    'application/x-ndjson': { schema: Download(ndjson) },
  },
});

const MetricValue = Type.Union([Type.Number(), Type.Boolean(), Type.String()]);

export const RangePage = Type.Object({
  items: Type.Array(
    Type.Object({
      ts: Type.Integer({ description: 'epoch ms' }),
      seq: Type.Integer(),
      metrics: Type.Record(Type.String(), MetricValue),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'pass as `cursor` for the next page; null on the last page',
  }),
  hasMore: Type.Boolean(),
});

export const BucketsQuery = Type.Object(
  {
    from: Type.Optional(EpochMs('inclusive, epoch ms; default: an hour before `to`')),
    to: Type.Optional(EpochMs('exclusive, epoch ms; default: now')),
    bucket: Type.Optional(
      Type.Integer({
        minimum: 1000,
        description: 'bucket size in ms, aligned to the epoch. Exclusive with `points`',
      }),
    ),
    points: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2000,
        description:
          'target points per series: the server picks the smallest round bucket giving at most this many (default 500)',
      }),
    ),
    metrics: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2000,
        description: 'comma-separated metric names to include; all when omitted',
      }),
    ),
    mode: Type.Union([Type.Literal('envelope'), Type.Literal('lttb')], {
      default: 'envelope',
      description:
        'envelope: every bucket with its min/max/avg, so a chart can draw spikes that averaging alone hides. lttb: buckets at ~4× the resolution, then Largest-Triangle-Three-Buckets on avg keeps `points` of them per series',
    }),
  },
  { additionalProperties: false },
);

export const BucketsResponse = Type.Object({
  bucketMs: Type.Integer({ description: 'bucket size used' }),
  series: Type.Array(
    Type.Object({
      metric: Type.String(),
      points: Type.Array(
        Type.Object({
          t: Type.Integer({ description: 'bucket start, epoch ms' }),
          count: Type.Integer({ description: 'readings carrying the metric' }),
          avg: Type.Union([Type.Number(), Type.Null()], {
            description: 'over numeric values; null when none',
          }),
          min: Type.Union([Type.Number(), Type.Null()]),
          max: Type.Union([Type.Number(), Type.Null()]),
          last: MetricValue,
        }),
      ),
    }),
  ),
});
