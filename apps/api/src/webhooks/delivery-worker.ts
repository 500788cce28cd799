import { OUTBOX_CHANNEL } from '@twinwire/db/webhook-outbox-channel';
import { signWebhook } from '@twinwire/alarms/webhook-signature';
import { listenToDb } from '@twinwire/db/listen';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import { guardedLookup, urlRefusal, type AddressPolicy } from './address-policy.ts';
import {
  claimDue,
  recordAttempt,
  type AttemptOutcome,
  type ClaimedDelivery,
} from './outbox-store.ts';
import { postWebhook } from './post-webhook.ts';

export interface DeliverySettings {
  pollMs: number;
  concurrency: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Exponential back-off with "equal jitter": half the delay fixed, half random. */
function retryDelayMs(attempt: number, settings: DeliverySettings): number {
  const ceiling = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * The webhook delivery worker: claims due outbox rows (see `claimDue`), POSTs each signed,
 * and records the attempt. Woken by NOTIFY when events commit, and polls every `pollMs` for
 * retries that came due. Every API instance may run one; they share the work.
 */
export const webhookDelivery = fp(
  async (
    app: FastifyInstance,
    options: {
      pool: pg.Pool;
      databaseUrl: string | undefined;
      settings: DeliverySettings;
      policy: AddressPolicy;
    },
  ) => {
    const { pool, settings, policy } = options;
    if (settings.pollMs === 0) return;
    const lookup = guardedLookup(policy);
    // A lease outlives the longest attempt, so a live worker's delivery is never claimed twice.
    const leaseMs = settings.timeoutMs + 5_000;
    let inFlight = 0;
    let stopped = false;
    let wakeUp: (() => void) | undefined;
    // isWoken is a call, not the variable: the compiler would assume it stays false across awaits.
    let woken = false;
    const isWoken = () => woken;
    const wake = () => {
      woken = true;
      wakeUp?.();
    };

    async function deliver(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
      const started = performance.now();
      const body = JSON.stringify(delivery.body);
      try {
        const refused = urlRefusal(delivery.url, policy);
        if (refused) throw new Error(`the URL ${refused}`);
        const statusCode = await postWebhook({
          url: delivery.url,
          body,
          timeoutMs: settings.timeoutMs,
          lookup,
          headers: {
            'user-agent': 'Twinwire-Webhooks/1',
            'twinwire-signature': signWebhook(delivery.secret, body, Math.floor(Date.now() / 1000)),
            'idempotency-key': delivery.eventId,
            'twinwire-event-type': delivery.eventType,
            'twinwire-delivery-attempt': String(delivery.attempt),
          },
        });
        const durationMs = performance.now() - started;
        if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, durationMs };
        return failed(delivery, statusCode, `HTTP ${statusCode}`, durationMs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return failed(delivery, null, message, performance.now() - started);
      }
    }

    function failed(
      delivery: ClaimedDelivery,
      statusCode: number | null,
      error: string,
      durationMs: number,
    ): AttemptOutcome {
      const retryInMs =
        delivery.attempt >= settings.maxAttempts ? null : retryDelayMs(delivery.attempt, settings);
      return { ok: false, statusCode, error, durationMs, retryInMs };
    }

    async function run(delivery: ClaimedDelivery): Promise<void> {
      const outcome = await deliver(delivery);
      if (!outcome.ok)
        app.log.warn(
          {
            eventId: delivery.eventId,
            destinationId: delivery.destinationId,
            error: outcome.error,
          },
          outcome.retryInMs === null
            ? 'webhook delivery failed: dead letter'
            : 'webhook delivery failed; will retry',
        );
      await recordAttempt(pool, delivery, outcome);
    }

    async function loop(): Promise<void> {
      while (!stopped) {
        woken = false;
        const free = settings.concurrency - inFlight;
        let claimed: ClaimedDelivery[] = [];
        if (free > 0) {
          try {
            claimed = await claimDue(pool, free, leaseMs);
          } catch (error) {
            app.log.warn({ err: error }, 'webhook outbox unreachable; will retry');
          }
        }
        for (const delivery of claimed) {
          inFlight += 1;
          run(delivery)
            .catch((error: unknown) => {
              // Unrecorded: the lease runs out and the attempt is made again.
              app.log.warn(
                { err: error, eventId: delivery.eventId },
                'webhook attempt not recorded',
              );
            })
            .finally(() => {
              inFlight -= 1;
              // The next event of this destination and device may be claimable now.
              wake();
            });
        }
        if (claimed.length > 0 && claimed.length === free) continue;
        if (isWoken()) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, settings.pollMs);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeUp = undefined;
      }
    }

    const events = options.databaseUrl
      ? listenToDb({
          url: options.databaseUrl,
          channels: { [OUTBOX_CHANNEL]: wake },
          onReconnect: wake,
          log: app.log,
          applicationName: 'twinwire-webhooks',
        })
      : undefined;
    await events?.ready;
    const running = loop();

    app.addHook('onClose', async () => {
      stopped = true;
      wake();
      await running;
      // Deliveries in flight finish or time out; an unfinished one is retried after its lease.
      while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await events?.close();
    });
  },
  { name: 'webhook-delivery' },
);
