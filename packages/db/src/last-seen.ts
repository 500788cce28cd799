import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { devices } from './schema.ts';

/**
 * Devices' last-seen times, collected as traffic arrives and written in one statement per
 * flush: a reading must not cost an UPDATE of its own.
 */
export class LastSeenBatch {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  seen(deviceId: string): void {
    this.pending.set(deviceId, this.now());
  }

  /** Forgets a device's pending time (its presence was just written another way). */
  forget(deviceId: string): void {
    this.pending.delete(deviceId);
  }

  /** Writes the times collected since the previous flush; rejects if the database refuses. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const entries = [...this.pending];
    this.pending.clear();
    const payload = JSON.stringify(entries.map(([id, at]) => ({ id, at })));
    await this.db.execute(sql`
      UPDATE ${devices} SET last_seen_at = timestamptz 'epoch' + seen.at * interval '1 millisecond'
      FROM jsonb_to_recordset(${payload}::jsonb) AS seen(id text, at int8)
      WHERE ${devices.id} = seen.id`);
    return entries.length;
  }
}
