import type pg from 'pg';

/**
 * Whether PostgreSQL answers `SELECT 1` through `pool` within `timeoutMs`: what readiness
 * probes ask. A link that drops packets instead of refusing them would otherwise hold the
 * probe for the pool's whole connection timeout, longer than a load balancer waits.
 */
export async function databaseAnswers(pool: pg.Pool, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
