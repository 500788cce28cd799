import type { Database } from '@twinwire/db/client';
import { deleteTelemetryBefore } from '@twinwire/db/telemetry-queries';
import fp from 'fastify-plugin';

const DAY_MS = 86_400_000;

export interface RetentionPluginOptions {
  db: Database;
  /** Readings older than this many days are deleted; 0 keeps everything. */
  days: number;
  /** How often to purge. The first purge runs once the app is ready. */
  intervalMs?: number;
}

/**
 * Telemetry retention: deletes readings older than TELEMETRY_RETENTION_DAYS at start and
 * then hourly, in batches (no long locks). Several API instances may purge at once; a
 * batch another instance already deleted simply finds nothing.
 */
export const telemetryRetention = fp<RetentionPluginOptions>(
  (app, options, done) => {
    if (options.days <= 0) {
      done();
      return;
    }
    let running: Promise<void> | undefined;
    const purge = () => {
      if (running) return;
      const before = Date.now() - options.days * DAY_MS;
      running = deleteTelemetryBefore(options.db, { before })
        .then(
          (deleted) => {
            if (deleted > 0)
              app.log.info({ deleted, before: new Date(before).toISOString() }, 'retention purge');
          },
          (error: unknown) => {
            app.log.warn({ err: error }, 'retention purge failed; retrying next interval');
          },
        )
        .finally(() => {
          running = undefined;
        });
    };
    const timer = setInterval(purge, options.intervalMs ?? 3_600_000);
    timer.unref();
    app.addHook('onReady', async () => {
      purge();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
    done();
  },
  { name: 'telemetry-retention' },
);
