import { createAclStore } from '@twinwire/db/acl-store';
import { devices, telemetry } from '@twinwire/db/schema';
import {
  listTelemetryPartitions,
  telemetryPartitionName,
  utcDay,
} from '@twinwire/db/telemetry-partitions';
import { createTelemetryWriter } from '@twinwire/db/telemetry-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { readApiConfig } from '../src/config.ts';
import { buildTestApi, TEST_JWT_SECRET, type TestApi } from './helpers/build-app.ts';

const DAY = 86_400_000;
let api: TestApi;
beforeAll(async () => {
  // Retention off (the default): readings 40, 10 and 0 days old are all kept.
  api = await buildTestApi();
  await api.database.db.insert(devices).values({ id: 'aging', name: 'Aging sensor' });
  const writer = createTelemetryWriter({ pool: api.database.pool });
  const now = Date.now();
  await Promise.all(
    [40, 10, 0].map((age, seq) =>
      writer.write({ deviceId: 'aging', ts: now - age * DAY, seq, metrics: { t: age } }),
    ),
  );
  await writer.close();
});
afterAll(() => api.close());

const partitionNames = async () =>
  (await listTelemetryPartitions(api.database.db)).map((partition) => partition.name);

const storedAges = async () =>
  (await api.database.db.select({ metrics: telemetry.metrics }).from(telemetry))
    .map((row) => (row.metrics as { t: number }).t)
    .sort((a, b) => a - b);

describe('telemetry retention (TELEMETRY_RETENTION_DAYS)', () => {
  it('is off by default', async () => {
    expect(readApiConfig({}).TELEMETRY_RETENTION_DAYS).toBe(0);
    expect(await storedAges()).toEqual([0, 10, 40]);
  });

  it('deletes readings older than the retention once an instance with it is ready, keeping the rest', async () => {
    const withRetention = await buildApp({
      config: readApiConfig({ LOG_LEVEL: 'silent', TELEMETRY_RETENTION_DAYS: '30' }),
      db: api.database,
      acl: await createAclStore({ db: api.database.db }),
      jwtSecret: TEST_JWT_SECRET,
    });
    try {
      await withRetention.ready();
      await expect.poll(storedAges).toEqual([0, 10]);
    } finally {
      await withRetention.close();
    }
  });

  it('creates the day partitions ahead at start, with retention off too, so no day falls into DEFAULT', async () => {
    const ahead = Array.from({ length: 3 }, (_, offset) =>
      telemetryPartitionName(utcDay(Date.now()) + (offset + 8) * DAY),
    );
    expect(await partitionNames()).not.toContain(ahead[0]);
    const app = await buildApp({
      config: readApiConfig({ LOG_LEVEL: 'silent', TELEMETRY_PARTITION_DAYS_AHEAD: '10' }),
      db: api.database,
      acl: await createAclStore({ db: api.database.db }),
      jwtSecret: TEST_JWT_SECRET,
    });
    try {
      await app.ready();
      await expect.poll(partitionNames).toEqual(expect.arrayContaining(ahead));
    } finally {
      await app.close();
    }
  });
});
