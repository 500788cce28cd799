import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { createDb } from '../src/client.ts';
import { migrate, migrationsFolder } from '../src/migrate.ts';
import { withDatabase } from '../src/testing.ts';

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
    expect(applied.rows[0]).toEqual({ n: 8 });
    const tables = await pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.rows.map((row) => row.tablename)).toEqual([
      'acl_rules',
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
