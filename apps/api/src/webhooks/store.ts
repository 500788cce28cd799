import { randomBytes } from 'node:crypto';
import { OUTBOX_CHANNEL } from '@twinwire/db/webhook-outbox-channel';
import type pg from 'pg';
import type { WebhookEventType } from '@twinwire/schemas/alarms';

export interface WebhookView {
  id: string;
  name: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  pending: number;
  dead: number;
  createdAt: string;
  updatedAt: string;
}

interface WebhookRow {
  id: string;
  name: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  pending: number;
  dead: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT_WEBHOOKS = `SELECT w.id, w.name, w.url, w.events, w.enabled, w.created_at, w.updated_at,
  (SELECT count(*)::int FROM webhook_outbox o WHERE o.destination_id = w.id AND o.status = 'pending') AS pending,
  (SELECT count(*)::int FROM webhook_outbox o WHERE o.destination_id = w.id AND o.status = 'dead') AS dead
  FROM webhook_destinations w`;

const toView = (row: WebhookRow): WebhookView => ({
  id: row.id,
  name: row.name,
  url: row.url,
  events: row.events,
  enabled: row.enabled,
  pending: row.pending,
  dead: row.dead,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export async function listWebhooks(pool: pg.Pool): Promise<WebhookView[]> {
  const result = await pool.query<WebhookRow>(`${SELECT_WEBHOOKS} ORDER BY w.created_at, w.id`);
  return result.rows.map(toView);
}

export async function getWebhook(pool: pg.Pool, id: string): Promise<WebhookView | undefined> {
  const result = await pool.query<WebhookRow>(`${SELECT_WEBHOOKS} WHERE w.id = $1`, [id]);
  const row = result.rows[0];
  return row && toView(row);
}

export async function createWebhook(
  pool: pg.Pool,
  input: {
    name: string;
    url: string;
    events: WebhookEventType[];
    secret?: string | undefined;
    enabled: boolean;
  },
): Promise<WebhookView & { secret: string }> {
  const secret = input.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
  const result = await pool.query<{ id: string }>(
    `INSERT INTO webhook_destinations (name, url, events, secret, enabled)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [input.name, input.url, input.events, secret, input.enabled],
  );
  const id = result.rows[0]?.id ?? '';
  const view = await getWebhook(pool, id);
  if (!view) throw new Error('a webhook just created could not be read back');
  return { ...view, secret };
}

export async function updateWebhook(
  pool: pg.Pool,
  id: string,
  patch: {
    name?: string | undefined;
    url?: string | undefined;
    events?: WebhookEventType[] | undefined;
    enabled?: boolean | undefined;
  },
): Promise<WebhookView | undefined> {
  const result = await pool.query(
    `UPDATE webhook_destinations SET name = coalesce($2, name), url = coalesce($3, url),
       events = coalesce($4, events), enabled = coalesce($5, enabled), updated_at = now()
     WHERE id = $1`,
    [id, patch.name ?? null, patch.url ?? null, patch.events ?? null, patch.enabled ?? null],
  );
  if ((result.rowCount ?? 0) === 0) return undefined;
  return getWebhook(pool, id);
}

export async function deleteWebhook(pool: pg.Pool, id: string): Promise<boolean> {
  const result = await pool.query('DELETE FROM webhook_destinations WHERE id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}

/** A destination's delivery attempts, newest first, keyset-paged on id. */
export async function listDeliveries(
  pool: pg.Pool,
  destinationId: string,
  options: { limit: number; beforeId?: number | undefined },
) {
  const result = await pool.query<{
    id: string;
    outbox_id: string;
    event_id: string;
    event_type: WebhookEventType;
    attempt: number;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    attempted_at: Date;
  }>(
    `SELECT l.id, l.outbox_id, o.event_id, o.event_type, l.attempt, l.status_code, l.error,
       l.duration_ms, l.attempted_at
     FROM webhook_deliveries l JOIN webhook_outbox o ON o.id = l.outbox_id
     WHERE l.destination_id = $1 AND ($2::int8 IS NULL OR l.id < $2)
     ORDER BY l.id DESC LIMIT $3`,
    [destinationId, options.beforeId ?? null, options.limit],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    outboxId: Number(row.outbox_id),
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    statusCode: row.status_code,
    error: row.error,
    durationMs: row.duration_ms,
    attemptedAt: row.attempted_at.toISOString(),
  }));
}

/** Events that gave up, newest first, keyset-paged on the outbox id. */
export async function listDeadLetters(
  pool: pg.Pool,
  options: { limit: number; beforeId?: number | undefined; destinationId?: string | undefined },
) {
  const result = await pool.query<{
    id: string;
    destination_id: string;
    event_id: string;
    event_type: WebhookEventType;
    device_id: string | null;
    attempts: number;
    last_error: string | null;
    created_at: Date;
    body: unknown;
  }>(
    `SELECT id, destination_id, event_id, event_type, device_id, attempts, last_error, created_at,
       body
     FROM webhook_outbox WHERE status = 'dead' AND ($1::int8 IS NULL OR id < $1)
       AND ($3::uuid IS NULL OR destination_id = $3)
     ORDER BY id DESC LIMIT $2`,
    [options.beforeId ?? null, options.limit, options.destinationId ?? null],
  );
  return result.rows.map((row) => ({
    outboxId: Number(row.id),
    destinationId: row.destination_id,
    eventId: row.event_id,
    eventType: row.event_type,
    deviceId: row.device_id,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    body: row.body,
  }));
}

/** Puts a dead letter back in the outbox with fresh attempts; false when it is not dead. */
export async function resendDeadLetter(pool: pg.Pool, outboxId: number): Promise<boolean> {
  const result = await pool.query(
    `UPDATE webhook_outbox SET status = 'pending', attempts = 0, next_attempt_at = now()
     WHERE id = $1 AND status = 'dead'`,
    [outboxId],
  );
  if ((result.rowCount ?? 0) === 0) return false;
  await pool.query("SELECT pg_notify($1, '')", [OUTBOX_CHANNEL]);
  return true;
}
