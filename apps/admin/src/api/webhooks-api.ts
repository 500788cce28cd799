import type { WebhookEventType } from '@twinwire/schemas/alarms';
import type { ApiClient } from './api-client.ts';

export type { WebhookEventType };

/** A destination as apps/api answers it (src/webhooks/schemas.ts `Webhook`). */
export interface WebhookView {
  id: string;
  name: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  /** Events waiting for delivery. */
  pending: number;
  /** Dead letters. */
  dead: number;
  createdAt: string;
  updatedAt: string;
}

/** The answer to a create: the only time the signing secret is shown. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

export interface WebhookInput {
  name: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
}

interface DeliveryView {
  id: number;
  outboxId: number;
  eventId: string;
  eventType: WebhookEventType;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: string;
}

interface DeadLetterView {
  outboxId: number;
  destinationId: string;
  eventId: string;
  eventType: WebhookEventType;
  deviceId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  body: unknown;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface PageQuery {
  limit: number;
  cursor?: string | undefined;
}

const webhook = (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}`;
const withSignal = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

export const webhooksApi = {
  list: (api: ApiClient, signal?: AbortSignal) =>
    api.get<{ items: WebhookView[] }>('/api/v1/webhooks', withSignal(signal)),
  create: (api: ApiClient, input: WebhookInput) =>
    api.post<CreatedWebhook>('/api/v1/webhooks', input),
  update: (api: ApiClient, id: string, patch: Partial<WebhookInput>) =>
    api.patch<WebhookView>(webhook(id), patch),
  remove: (api: ApiClient, id: string) => api.delete(webhook(id)),
  deliveries: (api: ApiClient, id: string, query: PageQuery, signal?: AbortSignal) =>
    api.get<Page<DeliveryView>>(`${webhook(id)}/deliveries`, {
      query: { ...query },
      ...withSignal(signal),
    }),
  deadLetters: (api: ApiClient, destinationId: string, query: PageQuery, signal?: AbortSignal) =>
    api.get<Page<DeadLetterView>>('/api/v1/webhooks/dead-letters', {
      query: { ...query, destinationId },
      ...withSignal(signal),
    }),
  resend: (api: ApiClient, outboxId: number) =>
    api.post<undefined>(`/api/v1/webhooks/dead-letters/${outboxId}/resend`),
};
