import type { ApiClient } from '../api/api-client.ts';
import type { StoredKey } from './accounting.ts';

interface RangePage {
  items: { ts: number; seq: number }[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** Readings per page: the most the API's range query returns at once. */
const PAGE_SIZE = 5000;

/**
 * Every stored reading of a device in [from, to) as (ts, seq), through the REST range
 * query, following `nextCursor` page by page.
 */
export async function readStoredKeys(
  api: ApiClient,
  deviceId: string,
  range: { from: number; to: number },
): Promise<StoredKey[]> {
  const keys: StoredKey[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({
      from: String(range.from),
      to: String(range.to),
      limit: String(PAGE_SIZE),
    });
    if (cursor !== null) query.set('cursor', cursor);
    const page: RangePage = await api.request<RangePage>(
      'GET',
      `/devices/${encodeURIComponent(deviceId)}/telemetry?${query.toString()}`,
    );
    for (const item of page.items) keys.push({ ts: item.ts, seq: item.seq });
    cursor = page.hasMore ? page.nextCursor : null;
  } while (cursor !== null);
  return keys;
}
