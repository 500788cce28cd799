import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { startPlatform, type Platform } from '@twinwire/platform/start-platform';
import { tlsFixtures } from '@twinwire/testing/tls-fixtures';
import { inject } from 'vitest';

export interface TestTwinwire {
  platform: Platform;
  database: TestDatabase;
  admin: { username: string; password: string };
  close(): Promise<void>;
}

/** A real Twinwire (broker + API) over a database of its own, on free loopback ports. */
export async function startTestTwinwire(
  options: { tls?: boolean; brokerEnv?: Record<string, string> } = {},
): Promise<TestTwinwire> {
  const database = await createTestDatabase(inject('postgresUrl'));
  const platform = await startPlatform({
    databaseUrl: database.url,
    brokerEnv: { MQTT_MAX_PUBLISH_RATE: '0', ...options.brokerEnv },
    // Every fleet run signs in (provisioning, then verification) from 127.0.0.1: a test file's
    // runs are scripted sign-ins, over the 10 a minute an address gets by default.
    apiEnv: { LOGIN_RATE_LIMIT: '1000' },
    ...(options.tls ? { tls: { cert: tlsFixtures.cert, key: tlsFixtures.key } } : {}),
  });
  const admin = platform.admin;
  if (!admin) throw new Error('the test platform created no admin');
  return {
    platform,
    database,
    admin,
    close: async () => {
      await platform.close();
      await database.drop();
    },
  };
}

/** Rows per device straight from PostgreSQL: the check behind the simulator's own check. */
export async function rowsPerDevice(
  database: TestDatabase,
  deviceIds: readonly string[],
): Promise<Map<string, number>> {
  const result = await database.pool.query<{ device_id: string; rows: string }>(
    'SELECT device_id, count(*) AS rows FROM telemetry WHERE device_id = ANY($1) GROUP BY device_id',
    [deviceIds],
  );
  return new Map(result.rows.map((row) => [row.device_id, Number(row.rows)]));
}
