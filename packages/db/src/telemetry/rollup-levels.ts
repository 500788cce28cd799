import { telemetryRollup5Minutes, telemetryRollupHour, telemetryRollupMinute } from '../schema.ts';

export interface RollupLevel {
  widthMs: number;
  /** The same width as a PostgreSQL interval literal. */
  interval: string;
  table: typeof telemetryRollupMinute | typeof telemetryRollup5Minutes | typeof telemetryRollupHour;
}

/**
 * Finest first; each width divides the next, so a level's rows are built from the level
 * below, and a bucket can use every level up to the coarsest whose width divides it. Minutes
 * are rebuilt from raw readings; 5 minutes serve the 5/10/15/30-minute buckets of multi-day
 * charts; hours serve months.
 */
export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { widthMs: 60_000, interval: '1 minute', table: telemetryRollupMinute },
  { widthMs: 300_000, interval: '5 minutes', table: telemetryRollup5Minutes },
  { widthMs: 3_600_000, interval: '1 hour', table: telemetryRollupHour },
];
