import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { createDb } from '../src/client.ts';
import { migrate } from '../src/migrate.ts';
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
    expect(applied.rows[0]).toEqual({ n: 4 });
    const tables = await pool.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(tables.rows.map((row) => row.tablename)).toEqual([
      'acl_rules',
      'device_credentials',
      'devices',
      'refresh_tokens',
      'telemetry',
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
