import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { createDb } from '../src/client.ts';
import { migrate, migrationsFolder } from '../src/migrate.ts';
import { refreshTelemetryRollup } from '../src/telemetry/rollup.ts';
import { withDatabase } from '../src/testing/postgres.ts';

const adminUrl = inject('postgresUrl');
const name = `twinwire_migrate_${process.pid}`;

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

it('migrates a fresh database from several processes at once, applying each migration once', async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  const clients = Array.from({ length: 5 }, () =>
    createDb({ url: withDatabase(adminUrl, name), maxConnections: 2 }),
  );
  try {
    await Promise.all(clients.map((client) => migrate(client.pool)));
    await migrate(clients[0]!.pool);
    const pool = clients[0]!.pool;
    const applied = await pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(applied.rows[0]).toEqual({ n: 10 });
    // Tables, not the day partitions of telemetry (telemetry-partitions.test.ts covers those).
    const tables = await pool.query<{ tablename: string }>(`
      SELECT c.relname AS tablename FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`);
    expect(tables.rows.map((row) => row.tablename)).toEqual([
      'acl_rules',
      'alarm_rule_states',
      'alarm_rules',
      'alarms',
      'device_credentials',
      'devices',
      'mqtt_brokers',
      'mqtt_clients',
      'refresh_tokens',
      'retained_messages',
      'telemetry',
      'telemetry_rollup_1h',
      'telemetry_rollup_1m',
      'telemetry_rollup_5m',
      'telemetry_rollup_dirty',
      'telemetry_rollup_log',
      'users',
      'webhook_deliveries',
      'webhook_destinations',
      'webhook_outbox',
    ]);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});

it('notifies acl_rules_changed on every change to the rules, for hot reload', async () => {
  const client = createDb({ url: withDatabase(adminUrl, name), maxConnections: 2 });
  await migrate(client.pool);
  const listener = await client.pool.connect();
  const notifications: string[] = [];
  listener.on('notification', (message) =>
    notifications.push(`${message.channel}:${message.payload ?? ''}`),
  );
  await listener.query('LISTEN acl_rules_changed');
  try {
    const inserted = await client.pool.query<{ id: string }>(
      "INSERT INTO acl_rules (effect, action, topic, role) VALUES ('deny', 'subscribe', 'devices/#', 'viewer') RETURNING id",
    );
    await client.pool.query("UPDATE acl_rules SET topic = 'devices/+/status' WHERE id = $1", [
      inserted.rows[0]?.id,
    ]);
    await client.pool.query('DELETE FROM acl_rules');
    await expect
      .poll(() => notifications)
      .toEqual([
        'acl_rules_changed:INSERT',
        'acl_rules_changed:UPDATE',
        'acl_rules_changed:DELETE',
      ]);
    await expect(
      client.pool.query(
        "INSERT INTO acl_rules (effect, action, topic) VALUES ('allow', 'publish', '#')",
      ),
    ).rejects.toThrow(/acl_rules_subject_check/);
  } finally {
    listener.release();
    await client.close();
  }
});

it('marks the minutes of readings stored before the rollup existed, so the first refresh covers them', async () => {
  // The migrations up to the rollup tables, without its triggers and backfill (0005).
  const folder = await mkdtemp(join(tmpdir(), 'twinwire-migrations-'));
  await cp(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < '0005');
  await writeFile(journalPath, JSON.stringify(journal));

  const client = createDb({ url: withDatabase(adminUrl, name), maxConnections: 2 });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  try {
    await migrate(client.pool, folder);
    await client.pool.query(`
      INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES
        ('old', '2026-01-01T00:00:05Z', 0, '{"v": 1}'), ('old', '2026-01-01T00:00:55Z', 1, '{"v": 2}'),
        ('old', '2026-01-01T00:07:00Z', 0, '{"v": 3}'), ('older', '2025-12-31T23:59:59.999Z', 0, '{"v": 4}')`);
    await migrate(client.pool);
    const dirty = await client.pool.query<{ device_id: string; minute: Date }>(
      'SELECT device_id, minute FROM telemetry_rollup_dirty ORDER BY device_id, minute',
    );
    expect(dirty.rows.map((row) => `${row.device_id} ${row.minute.toISOString()}`)).toEqual([
      'old 2026-01-01T00:00:00.000Z',
      'old 2026-01-01T00:07:00.000Z',
      'older 2025-12-31T23:59:00.000Z',
    ]);
  } finally {
    await client.close();
    await rm(folder, { recursive: true, force: true });
  }
});

it('partitions telemetry on upgrade from 0008, keeping every reading, its rollup and the rollup triggers', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'twinwire-migrations-'));
  await cp(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < '0009');
  await writeFile(journalPath, JSON.stringify(journal));

  const client = createDb({ url: withDatabase(adminUrl, name), maxConnections: 2 });
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000);
  try {
    await migrate(client.pool, folder);
    // Today, 3 days ago, 5 years ago (kept in DEFAULT), and a minute left dirty.
    await client.pool.query(
      `INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES
        ('kept', $1, 0, '{"v": 1}'), ('kept', $2, 1, '{"v": 2}'), ('kept', $3, 2, '{"v": 3}')`,
      [day(0), day(-3), day(-5 * 365)],
    );
    await refreshTelemetryRollup(client.db);
    await client.pool.query(
      "INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ('kept', $1, 3, '{\"v\": 4}')",
      [new Date(day(-3).getTime() + 60_000)],
    );
    const snapshot = async () =>
      (
        await client.pool.query<Record<string, unknown>>(`
          SELECT 'reading' AS kind, device_id, ts, seq::text AS key, metrics::text AS value FROM telemetry
          UNION ALL SELECT 'minute', device_id, bucket_start, metric, last_value::text FROM telemetry_rollup_1m
          UNION ALL SELECT 'hour', device_id, bucket_start, metric, count::text FROM telemetry_rollup_1h
          UNION ALL SELECT 'log', device_ids[1], minutes[1], '', '' FROM telemetry_rollup_log
          ORDER BY 1, 2, 3, 4`)
      ).rows;
    const before = await snapshot();

    await migrate(client.pool);

    expect(await snapshot()).toEqual(before);
    const placed = await client.pool.query<{ seq: string; partition: string }>(
      'SELECT seq, tableoid::regclass::text AS partition FROM telemetry ORDER BY seq',
    );
    const partitionOf = (date: Date) =>
      `telemetry_p${date.toISOString().slice(0, 10).replaceAll('-', '')}`;
    expect(placed.rows).toEqual([
      { seq: '0', partition: partitionOf(day(0)) },
      { seq: '1', partition: partitionOf(day(-3)) },
      { seq: '2', partition: 'telemetry_default' },
      { seq: '3', partition: partitionOf(day(-3)) },
    ]);
    // The rollup triggers fire on the partitioned table: an insert logs its minute.
    await client.pool.query(
      "INSERT INTO telemetry (device_id, ts, seq, metrics) VALUES ('new', $1, 0, '{}')",
      [day(1)],
    );
    const logged = await client.pool.query<{ device: string }>(
      'SELECT device_ids[1] AS device FROM telemetry_rollup_log ORDER BY logged_at DESC LIMIT 1',
    );
    expect(logged.rows).toEqual([{ device: 'new' }]);
    await refreshTelemetryRollup(client.db);
    const hours = await client.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM telemetry_rollup_1h WHERE device_id = 'kept'",
    );
    expect(hours.rows[0]?.n).toBe(3);
  } finally {
    await client.close();
    await rm(folder, { recursive: true, force: true });
  }
});

it("migrates beyond the pool's statement timeout, waiting for another process holding the migration lock", async () => {
  const client = createDb({
    url: withDatabase(adminUrl, name),
    maxConnections: 2,
    statementTimeoutMs: 100,
  });
  const holder = new pg.Client({ connectionString: withDatabase(adminUrl, name) });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [0x7477_6d67]);
    const migrated = migrate(client.pool);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await holder.query('SELECT pg_advisory_unlock($1)', [0x7477_6d67]);
    await expect(migrated).resolves.toBeUndefined();
    // The pool's connections keep their statement timeout for everything else.
    const timeout = await client.pool.query<{ statement_timeout: string }>(
      'SHOW statement_timeout',
    );
    expect(timeout.rows[0]?.statement_timeout).toBe('100ms');
  } finally {
    await holder.end();
    await client.close();
  }
});
