import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { clearRuleAlarm, raiseAlarm } from '@twinwire/alarms/alarm-store';
import { createTestDatabase, type TestDatabase } from '@twinwire/db/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WebhookReceiver } from '@twinwire/testing/webhook-receiver';

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'kill-test-webhook-secret';
let database: TestDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await database.drop();
});

/** A real API process on this database, resolved once it listens. */
async function spawnApi(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: apiDir,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      API_HOST: '127.0.0.1',
      API_PORT: '0',
      LOG_LEVEL: 'info',
      JWT_SECRET: 'kill-test-jwt-secret-0123456789abcdef0123',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
      ALARM_NO_DATA_SWEEP_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.includes('Server listening')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`the API exited with ${String(code)} before listening`));
    });
  });
  return child;
}

it('an API process killed with SIGKILL during delivery loses no event: another delivers it, in order', async () => {
  const receiver = new WebhookReceiver(() => SECRET);
  let release: () => void = () => undefined;
  receiver.hold = new Promise((resolve) => {
    release = resolve;
  });
  await receiver.start();
  const { pool } = database;
  await pool.query(
    `INSERT INTO webhook_destinations (name, url, events, secret)
     VALUES ('kill', $1, '{alarm.raised,alarm.cleared}', $2)`,
    [receiver.url, SECRET],
  );
  const rule = await pool.query<{ id: string }>(
    `INSERT INTO alarm_rules (name, metric, condition, severity, message)
     VALUES ('r', 'temp', '{"op":">","value":1}', 'info', 'm') RETURNING id`,
  );
  const ruleId = rule.rows[0]?.id ?? '';
  for (const deviceId of ['ka', 'kb']) {
    await pool.query(`INSERT INTO devices (id, name) VALUES ($1, $1)`, [deviceId]);
    for (let round = 0; round < 2; round += 1) {
      await raiseAlarm(pool, {
        ruleId,
        ruleName: 'r',
        deviceId,
        severity: 'info',
        message: 'm',
        value: 2,
      });
      await clearRuleAlarm(pool, ruleId, deviceId);
    }
  }
  const events = await pool.query<{ event_id: string; device_id: string }>(
    'SELECT event_id, device_id FROM webhook_outbox ORDER BY id',
  );
  expect(events.rows).toHaveLength(8);

  const first = await spawnApi();
  // Both devices' first events are in flight, held unanswered by the receiver.
  await expect.poll(() => receiver.arrivals, { timeout: 20_000 }).toBe(2);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  release();
  receiver.hold = undefined;

  const second = await spawnApi();
  await expect
    .poll(
      async () =>
        (await pool.query(`SELECT 1 FROM webhook_outbox WHERE status = 'delivered'`)).rowCount,
      { timeout: 30_000 },
    )
    .toBe(8);
  second.kill('SIGTERM');
  await new Promise((resolve) => second.once('exit', resolve));
  await receiver.stop();

  for (const deviceId of ['ka', 'kb']) {
    const expected = events.rows
      .filter((row) => row.device_id === deviceId)
      .map((row) => row.event_id);
    const seen = receiver.received
      .filter((entry) => 'deviceId' in entry.event.data && entry.event.data.deviceId === deviceId)
      .map((entry) => entry.event.id);
    expect([...new Set(seen)]).toEqual(expected);
  }
  expect(receiver.received.every((entry) => entry.signatureValid)).toBe(true);
}, 90_000);
