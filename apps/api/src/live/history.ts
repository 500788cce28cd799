import type { Database } from '@twinwire/db/client';
import { telemetry } from '@twinwire/db/schema';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import type { HistoryRequest } from '@twinwire/schemas/ws-frames';
import { and, desc, eq, gte } from 'drizzle-orm';

export const DEFAULT_HISTORY_LIMIT = 100;

/**
 * The device's most recent readings (at most `limit`, none older than `since`), oldest first,
 * read backwards on the primary key (device_id, ts, seq).
 */
export async function readRecentReadings(
  db: Database,
  deviceId: string,
  request: HistoryRequest,
): Promise<TelemetryRow[]> {
  const rows = await db
    .select({
      deviceId: telemetry.deviceId,
      ts: telemetry.ts,
      seq: telemetry.seq,
      metrics: telemetry.metrics,
    })
    .from(telemetry)
    .where(
      and(
        eq(telemetry.deviceId, deviceId),
        request.since === undefined ? undefined : gte(telemetry.ts, new Date(request.since)),
      ),
    )
    .orderBy(desc(telemetry.ts), desc(telemetry.seq))
    .limit(request.limit ?? DEFAULT_HISTORY_LIMIT);
  return rows.reverse().map((row) => ({ ...row, ts: row.ts.getTime() }));
}
