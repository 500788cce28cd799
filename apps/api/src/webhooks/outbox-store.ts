import type pg from 'pg';
import type { WebhookEventType } from '@twinwire/schemas/alarms';

/** An outbox row claimed for one delivery attempt. */
export interface ClaimedDelivery {
  id: number;
  destinationId: string;
  url: string;
  secret: string;
  eventId: string;
  eventType: WebhookEventType;
  body: unknown;
  /** This attempt's number, from 1. */
  attempt: number;
}

interface ClaimedRow {
  id: string;
  destination_id: string;
  url: string;
  secret: string;
  event_id: string;
  event_type: WebhookEventType;
  body: unknown;
  attempts: number;
}

/**
 * Claims up to `limit` due deliveries for this worker: each is leased for `leaseMs` (a worker
 * that dies mid-delivery, even by kill -9, leaves it to be retried when the lease ends) and
 * counted as an attempt. Only the oldest pending event of a destination and device is ever
 * claimable, so events reach a destination in order per device; FOR UPDATE SKIP LOCKED lets
 * several workers (API instances) claim at once without waiting on each other.
 */
export async function claimDue(
  pool: pg.Pool,
  limit: number,
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  const result = await pool.query<ClaimedRow>(
    `UPDATE webhook_outbox o
     SET attempts = o.attempts + 1,
         next_attempt_at = now() + $2::int * interval '1 millisecond'
     FROM webhook_destinations d
     WHERE d.id = o.destination_id AND o.id IN (
       SELECT c.id FROM webhook_outbox c
       JOIN webhook_destinations cd ON cd.id = c.destination_id AND cd.enabled
       WHERE c.status = 'pending' AND c.next_attempt_at <= now()
         AND NOT EXISTS (SELECT 1 FROM webhook_outbox e
           WHERE e.status = 'pending' AND e.destination_id = c.destination_id
             AND e.device_id = c.device_id AND e.id < c.id)
       ORDER BY c.id LIMIT $1
       FOR UPDATE OF c SKIP LOCKED)
     RETURNING o.id, o.destination_id, d.url, d.secret, o.event_id, o.event_type, o.body, o.attempts`,
    [limit, leaseMs],
  );
  return result.rows.map((row) => ({
    id: Number(row.id),
    destinationId: row.destination_id,
    url: row.url,
    secret: row.secret,
    eventId: row.event_id,
    eventType: row.event_type,
    body: row.body,
    attempt: row.attempts,
  }));
}

export type AttemptOutcome =
  | { ok: true; statusCode: number; durationMs: number }
  | {
      ok: false;
      statusCode: number | null;
      error: string;
      durationMs: number;
      /** When to try again; null: give up, it becomes a dead letter. */
      retryInMs: number | null;
    };

/** Logs the attempt and settles the row: delivered, due again later, or dead. */
export async function recordAttempt(
  pool: pg.Pool,
  delivery: ClaimedDelivery,
  outcome: AttemptOutcome,
): Promise<void> {
  const error = outcome.ok ? null : outcome.error;
  const status = outcome.ok ? 'delivered' : outcome.retryInMs === null ? 'dead' : 'pending';
  await pool.query(
    `WITH attempt AS (
       INSERT INTO webhook_deliveries (outbox_id, destination_id, attempt, status_code, error,
         duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6))
     UPDATE webhook_outbox SET status = $7, last_error = $5,
       delivered_at = CASE WHEN $7 = 'delivered' THEN now() END,
       next_attempt_at = now() + coalesce($8::int, 0) * interval '1 millisecond'
     WHERE id = $1 AND status = 'pending'`,
    [
      delivery.id,
      delivery.destinationId,
      delivery.attempt,
      outcome.statusCode,
      error,
      Math.round(outcome.durationMs),
      status,
      outcome.ok ? null : outcome.retryInMs,
    ],
  );
}
