import type { Database } from '@twinwire/db/client';
import { startRollupRefresher } from '@twinwire/db/telemetry-rollup-refresher';
import fp from 'fastify-plugin';

export interface RollupRefresherPluginOptions {
  db: Database;
  /** 0: no background refresh. */
  intervalMs: number;
}

/**
 * Catches the telemetry rollup up in the background while the API runs, so bucket queries
 * rarely refresh or read raw minutes themselves; stops with the app (after the refresh in
 * progress commits). Every API instance runs one; they take turns.
 */
export const rollupRefresher = fp<RollupRefresherPluginOptions>(
  (app, options, done) => {
    if (options.intervalMs > 0) {
      const refresher = startRollupRefresher({
        db: options.db,
        intervalMs: options.intervalMs,
        onError: (error) => {
          app.log.warn({ err: error }, 'telemetry rollup refresh failed; retrying next interval');
        },
      });
      app.addHook('onClose', () => refresher.close());
    }
    done();
  },
  { name: 'telemetry-rollup-refresher' },
);
