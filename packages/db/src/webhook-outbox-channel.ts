/** NOTIFY channel that wakes the webhook delivery workers when outbox rows commit. */
export const OUTBOX_CHANNEL = 'twinwire_webhook_outbox';
