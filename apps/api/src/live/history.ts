import type { Database } from '@twinwire/db/client';
import { readRecentTelemetry } from '@twinwire/db/telemetry-queries';
import type { TelemetryRow } from '@twinwire/db/telemetry-row';
import type { HistoryRequest } from '@twinwire/schemas/ws-frames';

const DEFAULT_HISTORY_LIMIT = 100;

/** The device's most recent readings for a history request, oldest first. */
export function readRecentReadings(
  db: Database,
  deviceId: string,
  request: HistoryRequest,
): Promise<TelemetryRow[]> {
  return readRecentTelemetry(db, {
    deviceId,
    limit: request.limit ?? DEFAULT_HISTORY_LIMIT,
    since: request.since,
  });
}
