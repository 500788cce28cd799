import type { Database } from '@twinwire/db/client';
import { ensureTelemetryPartitions } from '@twinwire/db/telemetry-partitions';
import { applyTelemetryRetention } from '@twinwire/db/telemetry-retention';
import fp from 'fastify-plugin';

const DAY_MS = 86_400_000;

export interface RetentionPluginOptions {
  db: Database;
  /** Readings of UTC days that ended more than this many days ago are removed; 0 keeps everything. */
  days: number;
  /** Day partitions created ahead of today. */
  partitionDaysAhead: number;
  /** How often to run. The first run starts once the app is ready. */
  intervalMs?: number;
}

/**
 * Telemetry housekeeping, at start and then hourly: creates the day partitions of the next
 * `partitionDaysAhead` days (readings of a day without one still land in the DEFAULT
 * partition), then applies TELEMETRY_RETENTION_DAYS by dropping whole days. Several API
 * instances may run it at once: partition creation is serialized in the database, and a day
 * another instance already dropped is simply gone.
 */
export const telemetryRetention = fp<RetentionPluginOptions>(
  (app, options, done) => {
    let running: Promise<void> | undefined;
    const housekeeping = async () => {
      const created = await ensureTelemetryPartitions(options.db, {
        daysAhead: options.partitionDaysAhead,
      });
      if (created.length > 0) app.log.info({ created }, 'telemetry partitions created');
      if (options.days <= 0) return;
      const before = Date.now() - options.days * DAY_MS;
      const { dropped, deleted } = await applyTelemetryRetention(options.db, { before });
      if (dropped.length > 0 || deleted > 0)
        app.log.info(
          { dropped, deleted, before: new Date(before).toISOString() },
          'retention purge',
        );
    };
    const run = () => {
      if (running) return;
      running = housekeeping()
        .catch((error: unknown) => {
          app.log.warn({ err: error }, 'telemetry housekeeping failed; retrying next interval');
        })
        .finally(() => {
          running = undefined;
        });
    };
    const timer = setInterval(run, options.intervalMs ?? 3_600_000);
    timer.unref();
    app.addHook('onReady', async () => {
      run();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
    done();
  },
  { name: 'telemetry-retention' },
);
