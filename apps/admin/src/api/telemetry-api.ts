import type { ApiClient } from './api-client.ts';
import type { BucketsResponse, ReadingPage, StoredReading } from './types.ts';

const telemetry = (id: string) => `/api/v1/devices/${encodeURIComponent(id)}/telemetry`;

/** The API's page size limit for raw readings. */
const PAGE_LIMIT = 5000;

export const telemetryApi = {
  /** Readings in [from, to), oldest first, following cursors up to `maxReadings`. */
  async range(
    api: ApiClient,
    id: string,
    range: { from: number; to: number; maxReadings: number },
    signal?: AbortSignal,
  ): Promise<{ readings: StoredReading[]; truncated: boolean }> {
    const readings: StoredReading[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await api.get<ReadingPage>(telemetry(id), {
        query: {
          from: range.from,
          to: range.to,
          limit: Math.min(PAGE_LIMIT, range.maxReadings - readings.length),
          cursor,
        },
        ...(signal ? { signal } : {}),
      });
      readings.push(...page.items);
      if (!page.hasMore || page.nextCursor === null) return { readings, truncated: false };
      if (readings.length >= range.maxReadings) return { readings, truncated: true };
      cursor = page.nextCursor;
    }
  },

  /** The readings of [from, to) as a CSV or NDJSON file, streamed by the API. */
  download: (
    api: ApiClient,
    id: string,
    query: { from: number; to: number },
    format: 'csv' | 'ndjson',
  ) =>
    api.download(telemetry(id), {
      query: { ...query },
      accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson',
    }),

  buckets: (
    api: ApiClient,
    id: string,
    query: { from: number; to: number; points: number },
    signal?: AbortSignal,
  ) =>
    api.get<BucketsResponse>(`${telemetry(id)}/buckets`, {
      query: { ...query },
      ...(signal ? { signal } : {}),
    }),
};
