/**
 * Webhook deliveries per second: events queued in the outbox (one per device, many devices,
 * so per-device ordering does not serialise them all) and delivered by the API's worker to a
 * real HTTP receiver on loopback that answers 204 at once, at two worker concurrencies. Also
 * one device's events alone, which the per-device order delivers one at a time.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createAclStore } from '@twinwire/db/acl-store';
import { createTestDatabase, startTestPostgres, type TestDatabase } from '@twinwire/db/testing';
import { waitUntil } from '@twinwire/testing/wait-until';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';
import { readApiConfig } from '../src/config.ts';

const EVENTS = Number(process.env.WEBHOOK_BENCH_EVENTS ?? 4_000);
const DEVICES = 200;
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';

const receiver = Fastify();
let received = 0;
receiver.post('/hook', async (_request, reply) => {
  received += 1;
  return reply.status(204).send();
});
await receiver.listen({ host: '127.0.0.1', port: 0 });
const address = receiver.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;

async function queue(database: TestDatabase, events: number, devices: number): Promise<void> {
  const destination = await database.pool.query<{ id: string }>(
    `INSERT INTO webhook_destinations (name, url, events, secret)
     VALUES ('bench', $1, '{alarm.raised}', 'bench-secret-0123456789') RETURNING id`,
    [url],
  );
  const rows = Array.from({ length: events }, (_, index) => {
    const id = randomUUID();
    return {
      event_id: id,
      device_id: `device-${index % devices}`,
      body: { id, type: 'alarm.raised', createdAt: new Date().toISOString(), data: { index } },
    };
  });
  await database.pool.query(
    `INSERT INTO webhook_outbox (destination_id, event_id, event_type, device_id, body)
     SELECT $1, r.event_id, 'alarm.raised', r.device_id, r.body
     FROM jsonb_to_recordset($2::jsonb) AS r(event_id uuid, device_id text, body jsonb)`,
    [destination.rows[0]?.id, JSON.stringify(rows)],
  );
}

async function run(
  adminUrl: string,
  label: string,
  concurrency: number,
  events: number,
  devices: number,
) {
  const database = await createTestDatabase(adminUrl);
  try {
    await queue(database, events, devices);
    received = 0;
    const config = readApiConfig({
      LOG_LEVEL: 'silent',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_CONCURRENCY: String(concurrency),
      ALARM_NO_DATA_SWEEP_MS: '0',
      ROLLUP_REFRESH_INTERVAL_MS: '0',
    });
    const started = performance.now();
    const app = await buildApp({
      config,
      db: database,
      databaseUrl: database.url,
      acl: await createAclStore({ db: database.db }),
      jwtSecret: JWT_SECRET,
    });
    await app.ready();
    await waitUntil(
      'every webhook event to be delivered',
      async () => {
        const pending = await database.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM webhook_outbox WHERE status <> 'delivered'`,
        );
        return (pending.rows[0]?.n ?? 1) === 0;
      },
      { timeoutMs: 600_000 },
    );
    const seconds = (performance.now() - started) / 1000;
    await app.close();
    return {
      benchmark: label,
      events,
      'deliveries/s': Math.round(events / seconds),
      received,
    };
  } finally {
    await database.drop();
  }
}

// Durable (fsync on) unless BENCH_FSYNC=off: the outbox's rate is a durability claim.
const postgres = await startTestPostgres(process.env.DATABASE_URL, {
  durable: process.env.BENCH_FSYNC !== 'off',
});
try {
  const rows = [
    await run(postgres.url, `${DEVICES} devices, concurrency 8`, 8, EVENTS, DEVICES),
    await run(postgres.url, `${DEVICES} devices, concurrency 32`, 32, EVENTS, DEVICES),
    await run(postgres.url, 'one device (ordered: one at a time)', 8, EVENTS / 10, 1),
  ];
  console.log('\n@twinwire/api — webhook delivery to a loopback receiver (204 at once)');
  console.table(rows);
  console.log(
    '  · From queued outbox rows to every row marked delivered, with the API start-up included; each delivery is one claim (UPDATE … FOR UPDATE SKIP LOCKED, batched up to the free slots), one signed POST and one attempt record.',
  );
} finally {
  await receiver.close();
  await postgres.stop();
}
