import { dataOf, type ResponseOf } from '@twinwire/api-client/client';
import type { ApiClient } from './api-client.ts';

export type StoredReading = ResponseOf<'readTelemetry'>['items'][number];
export type MetricValue = StoredReading['metrics'][string];
export type BucketsResponse = ResponseOf<'readTelemetryBuckets'>;

export interface Download {
  blob: Blob;
  /** From content-disposition, when the API named the file. */
  fileName: string | undefined;
}

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
      const page = await dataOf(
        api.rest.GET('/api/v1/devices/{id}/telemetry', {
          params: {
            path: { id },
            query: {
              from: range.from,
              to: range.to,
              limit: Math.min(PAGE_LIMIT, range.maxReadings - readings.length),
              cursor,
            },
          },
          signal,
        }),
      );
      readings.push(...page.items);
      if (!page.hasMore || page.nextCursor === null) return { readings, truncated: false };
      if (readings.length >= range.maxReadings) return { readings, truncated: true };
      cursor = page.nextCursor;
    }
  },

  /** The readings of [from, to) as a CSV or NDJSON file, streamed by the API. */
  async download(
    api: ApiClient,
    id: string,
    query: { from: number; to: number },
    format: 'csv' | 'ndjson',
  ): Promise<Download> {
    const { data, response } = await api.rest.GET('/api/v1/devices/{id}/telemetry', {
      params: { path: { id }, query },
      headers: { accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
      parseAs: 'blob',
    });
    const disposition = response.headers.get('content-disposition') ?? '';
    const fileName = /filename="([^"]+)"/.exec(disposition)?.[1];
    // A failed call has thrown: an answer without a body is an empty file.
    return { blob: data ?? new Blob([]), fileName };
  },

  buckets: (
    api: ApiClient,
    id: string,
    query: { from: number; to: number; points: number },
    signal?: AbortSignal,
  ) =>
    dataOf(
      api.rest.GET('/api/v1/devices/{id}/telemetry/buckets', {
        // envelope: the API's default, which its document lists as a required parameter.
        params: { path: { id }, query: { ...query, mode: 'envelope' } },
        signal,
      }),
    ),
};
